package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.event;
import static dev.latchkey.storage.TestData.id;
import static dev.latchkey.storage.TestData.inState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.RequestStore.Change;
import dev.latchkey.core.port.RequestStore.Update;
import dev.latchkey.core.testing.MutableClock;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Transactions that write several requests take the rows in one order, then the audit chain's head,
 * as a single update does; otherwise a timer's batch and an approver's revoke could deadlock, and
 * PostgreSQL would fail one.
 */
class LockOrderTest extends EngineTest {
  @Test
  void
      aBatchHoldsAllItsRowsBeforeWaitingForTheAuditChainSoASingleUpdateOfOneOfThemWaitsAndFinishes()
          throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (Database db = engine.open(new MutableClock(T0));
        Connection auditHead = engine.connect()) {
      RequestStore store = db.requests();
      AccessRequest a = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
      AccessRequest b = inState(RequestState.ACTIVE, id(2), T0, Scope.CLUSTER);
      store.insert(a, List.of());
      store.insert(b, List.of());
      Change expireA = expire(a);
      Change expireB = expire(b);

      auditHead.setAutoCommit(false);
      try (Statement s = auditHead.createStatement()) {
        s.executeQuery("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE").close();
      }
      // The batch names B first: the order it is given in must not be the order it locks in.
      Future<List<Update>> batch = threads.submit(() -> store.updateAll(List.of(expireB, expireA)));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> lockedByOthers(a.id()) && lockedByOthers(b.id()));
      Future<Update> revoke =
          threads.submit(
              () ->
                  store.update(
                      b,
                      b.withState(RequestState.REVOKED).withEnd(T0.plusSeconds(60), Actor.SYSTEM),
                      List.of(event(b, AuditAction.REQUEST_REVOKED, T0))));
      auditHead.commit();

      assertThat(batch.get(30, TimeUnit.SECONDS)).allMatch(u -> u instanceof Update.Applied);
      assertThat(revoke.get(30, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(
              Update.Conflict.class,
              lost -> assertThat(lost.current().state()).isEqualTo(RequestState.EXPIRED));
      assertThat(db.audit().verify()).isEqualTo(new AuditLog.ChainCheck.Intact(2));
    } finally {
      threads.shutdownNow();
    }
  }

  private static Change expire(AccessRequest r) {
    return new Change(
        r,
        r.withState(RequestState.EXPIRED).withEnd(T0.plusSeconds(3600), Actor.SYSTEM),
        List.of(event(r, AuditAction.REQUEST_EXPIRED, T0)));
  }

  /**
   * Whether another transaction holds the request's row: a lock attempt that gives up after 100 ms
   * fails.
   */
  private boolean lockedByOthers(RequestId id) throws SQLException {
    try (Connection c = engine.connect()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute(engine.isH2() ? "SET LOCK_TIMEOUT 100" : "SET lock_timeout = '100ms'");
        s.executeQuery("SELECT id FROM requests WHERE id = '" + id.value() + "' FOR UPDATE")
            .close();
        return false;
      } catch (SQLException e) {
        return true;
      } finally {
        c.rollback();
      }
    }
  }
}
