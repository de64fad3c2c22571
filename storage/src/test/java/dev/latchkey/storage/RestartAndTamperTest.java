package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.event;
import static dev.latchkey.storage.TestData.id;
import static dev.latchkey.storage.TestData.inState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The file survives a restart intact, and any change to the audit rows made behind Latchkey's back
 * shows.
 */
class RestartAndTamperTest extends EngineTest {
  final MutableClock clock = new MutableClock(T0);
  final List<AccessRequest> stored = new ArrayList<>();
  final List<StoredAuditEvent> events = new ArrayList<>();

  /** Nine requests, one per state, each with events: 20 events in all. */
  @BeforeEach
  void writeAndClose() {
    try (Database db = engine.open(clock)) {
      int n = 0;
      for (RequestState state : RequestState.values()) {
        AccessRequest pending = TestData.pending(id(++n), T0.plusNanos(n));
        db.requests()
            .insert(
                pending, List.of(event(pending, AuditAction.REQUEST_SUBMITTED, T0.plusNanos(n))));
        AccessRequest target = inState(state, pending.id(), T0.plusNanos(n), Scope.CLUSTER);
        if (state != RequestState.PENDING) {
          db.requests()
              .update(
                  pending,
                  target,
                  List.of(
                      event(pending, AuditAction.APPROVAL_GIVEN, T0),
                      event(pending, AuditAction.REQUEST_DENIED, T0)));
          target = target.withVersion(1);
        }
        stored.add(target);
      }
      db.audit()
          .append(
              new AuditEvent(
                  T0,
                  Fixtures.ADMIN,
                  Optional.of(Fixtures.ACME),
                  Optional.empty(),
                  AuditAction.CLUSTER_DISABLED,
                  AuditResult.OK,
                  Map.of("cluster", "prod")));
      for (AccessRequest r : stored) {
        events.addAll(db.audit().forRequest(r.id()));
      }
      events.addAll(db.audit().recent(Fixtures.ACME, 1));
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(26));
    }
  }

  @Test
  void requestsAndTheChainAreIntactAfterReopening() {
    try (Database db = engine.open(clock)) {
      for (AccessRequest r : stored) {
        assertThat(db.requests().find(r.id())).contains(r);
      }
      List<StoredAuditEvent> reread = new ArrayList<>();
      for (AccessRequest r : stored) {
        reread.addAll(db.audit().forRequest(r.id()));
      }
      reread.addAll(db.audit().recent(Fixtures.ACME, 1));
      assertThat(reread).containsExactlyElementsOf(events);
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(26));

      // The chain goes on where it stopped.
      AccessRequest more = TestData.pending(id(100), T0);
      db.requests().insert(more, List.of(event(more, AuditAction.REQUEST_SUBMITTED, T0)));
      assertThat(db.audit().forRequest(more.id()))
          .extracting(StoredAuditEvent::sequence)
          .containsExactly(27L);
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(27));
    }
  }

  @Test
  void changedDetailsAreReportedAtExactlyThatEvent() throws Exception {
    ChainCheck check =
        verifyAfter(
            "UPDATE audit_events SET details = '{\"note\":\"nothing to see\"}' WHERE seq = 7");

    assertThat(check).isEqualTo(new ChainCheck.Broken(7, "hash does not match content"));
  }

  @Test
  void aChangedActorIsReportedToo() throws Exception {
    ChainCheck check = verifyAfter("UPDATE audit_events SET actor = 'system' WHERE seq = 12");

    assertThat(check).isEqualTo(new ChainCheck.Broken(12, "hash does not match content"));
  }

  @Test
  void aDeletedEventIsReportedAsAGap() throws Exception {
    ChainCheck check = verifyAfter("DELETE FROM audit_events WHERE seq = 5");

    assertThat(check)
        .isEqualTo(
            new ChainCheck.Broken(5, "sequence gap: event 5 is missing (the next event is 6)"));
  }

  @Test
  void deletedLastEventsAreReported() throws Exception {
    ChainCheck check = verifyAfter("DELETE FROM audit_events WHERE seq >= 25");

    assertThat(check).isInstanceOf(ChainCheck.Broken.class);
    assertThat(((ChainCheck.Broken) check).sequence()).isEqualTo(25);
  }

  @Test
  void anEventRewrittenWithAFreshHashBreaksTheLinkOfTheNext() throws Exception {
    StoredAuditEvent original =
        events.stream().filter(e -> e.sequence() == 3).findFirst().orElseThrow();
    String forgedDetails = "{\"note\":\"forged\"}";
    String forgedHash =
        AuditCanonicalForm.hash(
            original.previousHash(),
            AuditCanonicalForm.canonical(
                new AuditCanonicalForm.Content(
                    3,
                    original.event().at().toString(),
                    original.event().actor().audit(),
                    "acme",
                    original.event().requestId().orElseThrow().value(),
                    original.event().action().eventName(),
                    "ok",
                    forgedDetails)));
    ChainCheck check =
        verifyAfter(
            "UPDATE audit_events SET details = '"
                + forgedDetails
                + "', hash = '"
                + forgedHash
                + "' WHERE seq = 3");

    assertThat(check).isEqualTo(new ChainCheck.Broken(4, "previous hash does not match event 3"));
  }

  @Test
  void anEventAddedBehindTheChainIsReported() throws Exception {
    ChainCheck check =
        verifyAfter(
            "INSERT INTO audit_events SELECT 27, at, actor, customer, request_id, action, "
                + "result, details, hash, hash FROM audit_events WHERE seq = 26");

    assertThat(check)
        .isEqualTo(
            new ChainCheck.Broken(
                27, "event 27 is not part of the chain (the chain head records 26 events)"));
  }

  /**
   * Reopens the file, checks it survived intact, tampers with it through plain SQL, and verifies
   * again.
   */
  private ChainCheck verifyAfter(String tampering) throws Exception {
    try (Database db = engine.open(clock)) {
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(26));
      engine.execute(tampering);
      return db.audit().verify();
    }
  }
}
