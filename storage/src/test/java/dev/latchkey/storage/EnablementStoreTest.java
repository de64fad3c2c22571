package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.port.EnablementStore;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EnablementStoreTest extends EngineTest {
  Database db;
  EnablementStore store;

  @BeforeEach
  void open() {
    db = engine.open(new MutableClock(T0));
    store = db.enablements();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aClusterNeverSwitchedHasNoRow() {
    assertThat(store.find(Fixtures.PROD)).isEmpty();
  }

  @Test
  void switchesRoundTripPerClusterWithTheirEvents() {
    ClusterEnablement on =
        new ClusterEnablement(
            Fixtures.PROD,
            true,
            Set.of("readonly", "operator"),
            Optional.of(T0),
            Optional.of(Fixtures.ADMIN));
    ClusterEnablement off =
        new ClusterEnablement(
            Fixtures.PROD,
            false,
            Set.of(),
            Optional.of(T0.plusNanos(1)),
            Optional.of(Fixtures.APPROVER));
    ClusterRef globexProd = new ClusterRef(new CustomerId("globex"), "prod");
    ClusterEnablement other =
        new ClusterEnablement(
            globexProd, true, Set.of("admin"), Optional.empty(), Optional.empty());

    store.save(on, event(on, AuditAction.CLUSTER_ENABLED));
    store.save(other, event(other, AuditAction.CLUSTER_ENABLED));
    assertThat(store.find(Fixtures.PROD)).contains(on);
    assertThat(store.find(globexProd)).contains(other);
    assertThat(store.find(Fixtures.STAGING)).isEmpty();

    store.save(off, event(off, AuditAction.CLUSTER_DISABLED));
    assertThat(store.find(Fixtures.PROD)).contains(off);
    assertThat(store.find(globexProd)).contains(other);
    assertThat(db.audit().recent(Fixtures.ACME, 10))
        .extracting(e -> e.event().action())
        .containsExactly(AuditAction.CLUSTER_DISABLED, AuditAction.CLUSTER_ENABLED);
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(3));
  }

  @Test
  void aConditionalSwitchWritesOnlyOverTheStateItWasDecidedOn() {
    ClusterEnablement on =
        new ClusterEnablement(
            Fixtures.PROD, true, Set.of("readonly"), Optional.of(T0), Optional.of(Fixtures.ADMIN));
    ClusterEnablement off =
        new ClusterEnablement(
            Fixtures.PROD,
            false,
            Set.of(),
            Optional.of(T0.plusNanos(7)),
            Optional.of(Fixtures.APPROVER));
    ClusterEnablement onAgain =
        new ClusterEnablement(
            Fixtures.PROD,
            true,
            Set.of("admin"),
            Optional.of(T0.plusSeconds(1)),
            Optional.of(Fixtures.ADMIN));

    assertThat(store.saveIf(Optional.empty(), on, event(on, AuditAction.CLUSTER_ENABLED))).isTrue();
    store.save(
        off, event(off, AuditAction.CLUSTER_DISABLED)); // lands after onAgain was decided on `on`

    assertThat(store.saveIf(Optional.of(on), onAgain, event(onAgain, AuditAction.CLUSTER_ENABLED)))
        .isFalse();
    assertThat(store.saveIf(Optional.empty(), onAgain, event(onAgain, AuditAction.CLUSTER_ENABLED)))
        .isFalse();
    assertThat(store.find(Fixtures.PROD)).contains(off);
    assertThat(db.audit().verify())
        .isEqualTo(new ChainCheck.Intact(2)); // the refused writes left no event

    assertThat(store.saveIf(Optional.of(off), onAgain, event(onAgain, AuditAction.CLUSTER_ENABLED)))
        .isTrue();
    assertThat(store.find(Fixtures.PROD)).contains(onAgain);
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(3));
  }

  @Test
  void theSwitchAndItsEventAreOneTransaction() throws Exception {
    ClusterEnablement on =
        new ClusterEnablement(
            Fixtures.PROD, true, Set.of("readonly"), Optional.of(T0), Optional.of(Fixtures.ADMIN));
    store.save(on, event(on, AuditAction.CLUSTER_ENABLED));
    engine.execute(
        "INSERT INTO audit_events SELECT seq + 1, at, actor, customer, request_id, action, "
            + "result, details, prev_hash, hash FROM audit_events WHERE seq = 1");

    ClusterEnablement off =
        new ClusterEnablement(
            Fixtures.PROD, false, Set.of(), Optional.of(T0), Optional.of(Fixtures.ADMIN));
    assertThatThrownBy(() -> store.save(off, event(off, AuditAction.CLUSTER_DISABLED)))
        .isInstanceOf(StoreException.class);
    assertThat(store.find(Fixtures.PROD)).contains(on);
    assertThat(db.audit().recent(Fixtures.ACME, 10))
        .extracting(StoredAuditEvent::sequence)
        .containsExactly(2L, 1L);
  }

  private static AuditEvent event(ClusterEnablement e, AuditAction action) {
    return new AuditEvent(
        T0,
        e.changedBy().orElse(Fixtures.ADMIN),
        Optional.of(e.cluster().customer()),
        Optional.empty(),
        action,
        AuditResult.OK,
        Map.of("cluster", e.cluster().name()));
  }
}
