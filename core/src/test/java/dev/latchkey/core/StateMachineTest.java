package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every state against every use case: which outcome the service gives and where the request ends. The time
 * column ("due") is the timers' pass run after the request's due instant.
 */
class StateMachineTest {

  @ParameterizedTest(name = "{0} + {1} -> {2}, {3}")
  @CsvSource({
    // state,    use case,   outcome,             state after
    "PENDING,    approve,    Approved,            ACTIVE",
    "PENDING,    deny,       Denied,              DENIED",
    "PENDING,    cancel,     Cancelled,           CANCELLED",
    "PENDING,    revoke,     Refused,             PENDING",
    "PENDING,    extend,     Refused,             PENDING",
    "PENDING,    kubeconfig, Refused,             PENDING",
    "PENDING,    due,        -,                   TIMED_OUT",
    "APPROVED,   approve,    AlreadyDecided,      APPROVED",
    "APPROVED,   deny,       AlreadyDecided,      APPROVED",
    "APPROVED,   cancel,     AlreadyDecided,      APPROVED",
    "APPROVED,   revoke,     Revoked,             REVOKED",
    "APPROVED,   extend,     Refused,             APPROVED",
    "APPROVED,   kubeconfig, Refused,             APPROVED",
    "APPROVED,   due,        -,                   ACTIVE",
    "ACTIVE,     approve,    AlreadyDecided,      ACTIVE",
    "ACTIVE,     deny,       AlreadyDecided,      ACTIVE",
    "ACTIVE,     cancel,     AlreadyDecided,      ACTIVE",
    "ACTIVE,     revoke,     Revoked,             REVOKED",
    "ACTIVE,     extend,     ExtensionRequested,  ACTIVE",
    "ACTIVE,     kubeconfig, Issued,              ACTIVE",
    "ACTIVE,     due,        -,                   EXPIRED",
    "EXPIRED,    approve,    AlreadyDecided,      EXPIRED",
    "EXPIRED,    deny,       AlreadyDecided,      EXPIRED",
    "EXPIRED,    cancel,     AlreadyDecided,      EXPIRED",
    "EXPIRED,    revoke,     AlreadyDecided,      EXPIRED",
    "EXPIRED,    extend,     Refused,             EXPIRED",
    "EXPIRED,    kubeconfig, Refused,             EXPIRED",
    "EXPIRED,    due,        -,                   EXPIRED",
    "REVOKED,    approve,    AlreadyDecided,      REVOKED",
    "REVOKED,    deny,       AlreadyDecided,      REVOKED",
    "REVOKED,    cancel,     AlreadyDecided,      REVOKED",
    "REVOKED,    revoke,     AlreadyDecided,      REVOKED",
    "REVOKED,    extend,     Refused,             REVOKED",
    "REVOKED,    kubeconfig, Refused,             REVOKED",
    "REVOKED,    due,        -,                   REVOKED",
    "DENIED,     approve,    AlreadyDecided,      DENIED",
    "DENIED,     deny,       AlreadyDecided,      DENIED",
    "DENIED,     cancel,     AlreadyDecided,      DENIED",
    "DENIED,     revoke,     AlreadyDecided,      DENIED",
    "DENIED,     extend,     Refused,             DENIED",
    "DENIED,     kubeconfig, Refused,             DENIED",
    "DENIED,     due,        -,                   DENIED",
    "TIMED_OUT,  approve,    AlreadyDecided,      TIMED_OUT",
    "TIMED_OUT,  deny,       AlreadyDecided,      TIMED_OUT",
    "TIMED_OUT,  cancel,     AlreadyDecided,      TIMED_OUT",
    "TIMED_OUT,  revoke,     AlreadyDecided,      TIMED_OUT",
    "TIMED_OUT,  extend,     Refused,             TIMED_OUT",
    "TIMED_OUT,  kubeconfig, Refused,             TIMED_OUT",
    "TIMED_OUT,  due,        -,                   TIMED_OUT",
    "CANCELLED,  approve,    AlreadyDecided,      CANCELLED",
    "CANCELLED,  deny,       AlreadyDecided,      CANCELLED",
    "CANCELLED,  cancel,     AlreadyDecided,      CANCELLED",
    "CANCELLED,  revoke,     AlreadyDecided,      CANCELLED",
    "CANCELLED,  extend,     Refused,             CANCELLED",
    "CANCELLED,  kubeconfig, Refused,             CANCELLED",
    "CANCELLED,  due,        -,                   CANCELLED",
    "FAILED,     approve,    AlreadyDecided,      FAILED",
    "FAILED,     deny,       AlreadyDecided,      FAILED",
    "FAILED,     cancel,     AlreadyDecided,      FAILED",
    "FAILED,     revoke,     AlreadyDecided,      FAILED",
    "FAILED,     extend,     Refused,             FAILED",
    "FAILED,     kubeconfig, Refused,             FAILED",
    "FAILED,     due,        -,                   FAILED",
  })
  void everyStateAgainstEveryUseCase(RequestState state, String useCase, String outcome, RequestState after) {
    TestRig rig = new TestRig().enabled();
    AccessRequest request = inState(rig, state);
    String got = switch (useCase) {
      case "approve" -> name(rig.service.approve(request.id(), Fixtures.APPROVER, DecisionMethod.BUTTON, Map.of()));
      case "deny" -> name(rig.service.deny(request.id(), Fixtures.APPROVER, DecisionMethod.BUTTON, Map.of()));
      case "cancel" -> name(rig.service.cancel(request.id(), Fixtures.ENGINEER));
      case "revoke" -> name(rig.service.revoke(request.id(), Fixtures.ENGINEER));
      case "extend" -> name(rig.service.extend(request.id(), Fixtures.ENGINEER, Duration.ofMinutes(30)));
      case "kubeconfig" -> rig.service.issueCredential(request.id(), Fixtures.ENGINEER).getClass().getSimpleName();
      case "due" -> {
        if (state != RequestState.APPROVED) { // an approved request is due at once
          rig.clock.advance(Duration.ofHours(3));
        }
        rig.service.runDue();
        yield "-";
      }
      default -> throw new IllegalArgumentException(useCase);
    };
    assertThat(got).isEqualTo(outcome);
    assertThat(rig.get(request.id()).state()).isEqualTo(after);
    if (after.isFinal() && after != RequestState.FAILED) {
      assertThat(rig.cluster.holds(request.id())).as("nothing left in the cluster").isFalse();
    }
  }

  private static String name(Outcome outcome) {
    return outcome.getClass().getSimpleName();
  }

  /** A readonly request on prod in the given state, as the service would have left it. */
  static AccessRequest inState(TestRig rig, RequestState state) {
    AccessRequest pending = rig.pending();
    if (state == RequestState.PENDING) {
      return pending;
    }
    if (state == RequestState.ACTIVE) {
      return rig.active();
    }
    Instant now = rig.clock.instant();
    AccessRequest shaped = switch (state) {
      case APPROVED -> pending.withState(RequestState.APPROVED).withDecision(now, Fixtures.APPROVER)
          .withExpiresAt(now.plus(pending.duration())).withGrantPresent(true).withRetry(0, Optional.of(now));
      case EXPIRED, REVOKED -> pending.withState(state).withDecision(now, Fixtures.APPROVER)
          .withGrantedAt(now).withExpiresAt(now.plus(pending.duration())).withEnd(now, Actor.SYSTEM);
      default -> pending.withState(state).withEnd(now, Actor.SYSTEM);
    };
    rig.requests.put(shaped.withVersion(pending.version() + 1));
    return shaped;
  }
}
