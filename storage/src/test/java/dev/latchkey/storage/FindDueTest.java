package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.id;
import static dev.latchkey.storage.TestData.inState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The timers ask for what is due; the answer comes from the due_at index, whatever else is stored.
 */
class FindDueTest extends EngineTest {
  static final Instant NOW = Instant.parse("2026-03-02T12:00:00.000000500Z");

  Database db;
  int next;

  @BeforeEach
  void open() {
    db = engine.open(new MutableClock(NOW));
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void findsExactlyWhatIsDueEarliestFirstAmongManyRowsThatAreNot() {
    List<AccessRequest> due = new ArrayList<>();
    // Unanswered past its TTL (due exactly now counts).
    due.add(store(TestData.pending(newId(), NOW.minus(Duration.ofHours(2)))));
    due.add(store(TestData.pending(newId(), NOW.minus(Duration.ofHours(3)))));
    // Approved, grant not made yet.
    due.add(store(inState(RequestState.APPROVED, newId(), NOW.minusSeconds(30), Scope.CLUSTER)));
    // Active, past the reminder instant (reminder not sent).
    AccessRequest active =
        inState(RequestState.ACTIVE, newId(), NOW.minus(Duration.ofMinutes(50)), Scope.CLUSTER);
    due.add(store(active));
    // Active past its expiry (reminder already sent).
    due.add(
        store(
            inState(RequestState.ACTIVE, newId(), NOW.minus(Duration.ofHours(2)), Scope.CLUSTER)
                .withReminderSent(true)));
    // Final but the grant may still be in the cluster, retry time reached.
    due.add(
        store(
            inState(RequestState.REVOKED, newId(), NOW.minus(Duration.ofHours(2)), Scope.CLUSTER)));
    due.add(
        store(
            inState(
                RequestState.FAILED, newId(), NOW.minus(Duration.ofMinutes(5)), Scope.CLUSTER)));

    for (int i = 0; i < 300; i++) {
      // Pending, TTL not reached.
      store(TestData.pending(newId(), NOW.minus(Duration.ofMinutes(i % 110))));
      // Final and clean.
      RequestState state =
          List.of(
                  RequestState.EXPIRED,
                  RequestState.DENIED,
                  RequestState.TIMED_OUT,
                  RequestState.CANCELLED)
              .get(i % 4);
      store(inState(state, newId(), NOW.minus(Duration.ofDays(1 + i)), Scope.CLUSTER));
    }
    // Approved with its next grant attempt later (backoff).
    store(
        inState(RequestState.APPROVED, newId(), NOW, Scope.CLUSTER)
            .withRetry(3, Optional.of(NOW.plusSeconds(8))));
    // Active, reminder still ahead.
    store(inState(RequestState.ACTIVE, newId(), NOW.minus(Duration.ofMinutes(10)), Scope.CLUSTER));
    // Active, reminder sent, expiry ahead.
    store(
        inState(RequestState.ACTIVE, newId(), NOW.minus(Duration.ofMinutes(50)), Scope.CLUSTER)
            .withReminderSent(true));
    // Revocation pending but backing off.
    store(
        inState(
            RequestState.REVOKED,
            newId(),
            NOW.minus(Duration.ofMinutes(59)).minusSeconds(50),
            Scope.CLUSTER));
    // An approved extension already applied to its original: settled.
    store(
        AccessRequest.submitted(
                newId(),
                RequestKind.EXTENSION,
                Optional.of(id(1)),
                Fixtures.PROD,
                "readonly",
                Scope.CLUSTER,
                CredentialMode.TOKEN,
                Fixtures.REQUESTER,
                "more",
                Duration.ofHours(1),
                NOW.minusSeconds(60),
                Duration.ofHours(1),
                1)
            .withState(RequestState.APPROVED)
            .withDecision(NOW.minusSeconds(50), Fixtures.APPROVER)
            .withExpiresAt(NOW.plus(Duration.ofHours(2)))
            .withGrantedAt(NOW.minusSeconds(40)));

    List<AccessRequest> expected =
        due.stream()
            .sorted(
                Comparator.comparing((AccessRequest r) -> r.dueAt().orElseThrow())
                    .thenComparing(r -> r.id().value()))
            .toList();
    assertThat(expected).allMatch(r -> !r.dueAt().orElseThrow().isAfter(NOW));

    assertThat(db.requests().findDue(NOW, 1000)).containsExactlyElementsOf(expected);
    assertThat(db.requests().findDue(NOW, 3)).containsExactlyElementsOf(expected.subList(0, 3));
    assertThat(db.requests().findDue(NOW.minus(Duration.ofDays(30)), 1000)).isEmpty();
    assertThat(db.requests().findDue(NOW, 0)).isEmpty();
    List<AccessRequest> toSettle =
        expected.stream()
            .filter(r -> r.state() == RequestState.PENDING || r.state() == RequestState.ACTIVE)
            .toList();
    assertThat(toSettle).hasSize(4);
    assertThat(db.requests().findDueToSettle(NOW, 1000)).containsExactlyElementsOf(toSettle);
    assertThat(db.requests().findDueToSettle(NOW, 2))
        .containsExactlyElementsOf(toSettle.subList(0, 2));
    assertThat(db.requests().findDueToSettle(NOW, 0)).isEmpty();
  }

  @Test
  void dueAtFollowsEveryUpdate() {
    AccessRequest pending = store(TestData.pending(newId(), NOW.minus(Duration.ofHours(3))));
    assertThat(db.requests().findDue(NOW, 10)).containsExactly(pending);

    AccessRequest timedOut = pending.withState(RequestState.TIMED_OUT).withEnd(NOW, Actor.SYSTEM);
    db.requests().update(pending, timedOut, List.of());

    assertThat(db.requests().findDue(NOW.plus(Duration.ofDays(365)), 10)).isEmpty();
  }

  @Test
  void theDueQueryUsesTheDueIndex() throws Exception {
    String plan =
        engine.explain(
            "SELECT id FROM requests WHERE due_at <= 1000 ORDER BY due_at, id LIMIT 500");

    assertThat(plan).containsIgnoringCase("requests_due_at_idx");
  }

  private RequestId newId() {
    return id(++next);
  }

  private AccessRequest store(AccessRequest r) {
    db.requests().insert(r, List.of());
    return r;
  }
}
