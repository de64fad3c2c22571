package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every state against every use case: which outcome the service gives and where the request ends.
 * The time column ("due") is the timers' pass run after the request's due instant.
 */
class StateMachineTest {

  @ParameterizedTest(name = "{0} + {1} -> {2}, {3}, {4}")
  @CsvSource({
    // state,    use case,   outcome,             state after, audit events the use case adds to the
    // request
    "PENDING,    approve,    Approved,            ACTIVE,     approval.given request.approved"
        + " grant.created",
    "PENDING,    deny,       Denied,              DENIED,     request.denied",
    "PENDING,    cancel,     Cancelled,           CANCELLED,  request.cancelled",
    "PENDING,    revoke,     Refused,             PENDING,    revoke.refused",
    "PENDING,    extend,     Refused,             PENDING,    extension.refused",
    "PENDING,    kubeconfig, Refused,             PENDING,    credential.refused",
    "PENDING,    due,        -,                   TIMED_OUT,  request.timed_out",
    "APPROVED,   approve,    AlreadyDecided,      APPROVED,   -",
    "APPROVED,   deny,       AlreadyDecided,      APPROVED,   -",
    "APPROVED,   cancel,     AlreadyDecided,      APPROVED,   -",
    "APPROVED,   revoke,     Revoked,             REVOKED,    request.revoked grant.removed",
    "APPROVED,   extend,     Refused,             APPROVED,   extension.refused",
    "APPROVED,   kubeconfig, Refused,             APPROVED,   credential.refused",
    "APPROVED,   due,        -,                   ACTIVE,     grant.created",
    "ACTIVE,     approve,    AlreadyDecided,      ACTIVE,     -",
    "ACTIVE,     deny,       AlreadyDecided,      ACTIVE,     -",
    "ACTIVE,     cancel,     AlreadyDecided,      ACTIVE,     -",
    "ACTIVE,     revoke,     Revoked,             REVOKED,    request.revoked grant.removed",
    "ACTIVE,     extend,     ExtensionRequested,  ACTIVE,     -",
    "ACTIVE,     kubeconfig, Issued,              ACTIVE,     credential.issued",
    "ACTIVE,     due,        -,                   EXPIRED,    request.expired grant.removed",
    "EXPIRED,    approve,    AlreadyDecided,      EXPIRED,    -",
    "EXPIRED,    deny,       AlreadyDecided,      EXPIRED,    -",
    "EXPIRED,    cancel,     AlreadyDecided,      EXPIRED,    -",
    "EXPIRED,    revoke,     AlreadyDecided,      EXPIRED,    -",
    "EXPIRED,    extend,     Refused,             EXPIRED,    extension.refused",
    "EXPIRED,    kubeconfig, Refused,             EXPIRED,    credential.refused",
    "EXPIRED,    due,        -,                   EXPIRED,    -",
    "REVOKED,    approve,    AlreadyDecided,      REVOKED,    -",
    "REVOKED,    deny,       AlreadyDecided,      REVOKED,    -",
    "REVOKED,    cancel,     AlreadyDecided,      REVOKED,    -",
    "REVOKED,    revoke,     AlreadyDecided,      REVOKED,    -",
    "REVOKED,    extend,     Refused,             REVOKED,    extension.refused",
    "REVOKED,    kubeconfig, Refused,             REVOKED,    credential.refused",
    "REVOKED,    due,        -,                   REVOKED,    -",
    "DENIED,     approve,    AlreadyDecided,      DENIED,     -",
    "DENIED,     deny,       AlreadyDecided,      DENIED,     -",
    "DENIED,     cancel,     AlreadyDecided,      DENIED,     -",
    "DENIED,     revoke,     AlreadyDecided,      DENIED,     -",
    "DENIED,     extend,     Refused,             DENIED,     extension.refused",
    "DENIED,     kubeconfig, Refused,             DENIED,     credential.refused",
    "DENIED,     due,        -,                   DENIED,     -",
    "TIMED_OUT,  approve,    AlreadyDecided,      TIMED_OUT,  -",
    "TIMED_OUT,  deny,       AlreadyDecided,      TIMED_OUT,  -",
    "TIMED_OUT,  cancel,     AlreadyDecided,      TIMED_OUT,  -",
    "TIMED_OUT,  revoke,     AlreadyDecided,      TIMED_OUT,  -",
    "TIMED_OUT,  extend,     Refused,             TIMED_OUT,  extension.refused",
    "TIMED_OUT,  kubeconfig, Refused,             TIMED_OUT,  credential.refused",
    "TIMED_OUT,  due,        -,                   TIMED_OUT,  -",
    "CANCELLED,  approve,    AlreadyDecided,      CANCELLED,  -",
    "CANCELLED,  deny,       AlreadyDecided,      CANCELLED,  -",
    "CANCELLED,  cancel,     AlreadyDecided,      CANCELLED,  -",
    "CANCELLED,  revoke,     AlreadyDecided,      CANCELLED,  -",
    "CANCELLED,  extend,     Refused,             CANCELLED,  extension.refused",
    "CANCELLED,  kubeconfig, Refused,             CANCELLED,  credential.refused",
    "CANCELLED,  due,        -,                   CANCELLED,  -",
    "FAILED,     approve,    AlreadyDecided,      FAILED,     -",
    "FAILED,     deny,       AlreadyDecided,      FAILED,     -",
    "FAILED,     cancel,     AlreadyDecided,      FAILED,     -",
    "FAILED,     revoke,     AlreadyDecided,      FAILED,     -",
    "FAILED,     extend,     Refused,             FAILED,     extension.refused",
    "FAILED,     kubeconfig, Refused,             FAILED,     credential.refused",
    "FAILED,     due,        -,                   FAILED,     -",
  })
  void everyStateAgainstEveryUseCase(
      RequestState state, String useCase, String outcome, RequestState after, String audit) {
    TestRig rig = new TestRig().enabled();
    AccessRequest request = inState(rig, state);
    int recorded = rig.audit.forRequest(request.id()).size();
    String got =
        switch (useCase) {
          case "approve" ->
              name(
                  rig.service.approve(
                      request.id(), Fixtures.APPROVER, DecisionMethod.BUTTON, Map.of()));
          case "deny" ->
              name(
                  rig.service.deny(
                      request.id(), Fixtures.APPROVER, DecisionMethod.BUTTON, Map.of()));
          case "cancel" -> name(rig.service.cancel(request.id(), Fixtures.ENGINEER));
          case "revoke" -> name(rig.service.revoke(request.id(), Fixtures.ENGINEER));
          case "extend" ->
              name(rig.service.extend(request.id(), Fixtures.ENGINEER, Duration.ofMinutes(30)));
          case "kubeconfig" ->
              rig.service
                  .issueCredential(request.id(), Fixtures.ENGINEER)
                  .getClass()
                  .getSimpleName();
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
    assertThat(
            rig.audit.forRequest(request.id()).stream()
                .skip(recorded)
                .map(e -> e.event().action().eventName())
                .toList())
        .as("audit events")
        .isEqualTo(audit.equals("-") ? List.of() : List.of(audit.split(" ")));
    if (after.isFinal() && after != RequestState.FAILED) {
      assertThat(rig.cluster.holds(request.id())).as("nothing left in the cluster").isFalse();
    }
  }

  /** The use cases whose outcome depends on time passing or on the cluster being switched off. */
  @ParameterizedTest(name = "{0} + {1} -> {2}, {3}, {4}")
  @CsvSource({
    // state,    use case,              outcome,         state after, audit events added to the
    // request
    "PENDING,    approve after 2h,      AlreadyDecided,  TIMED_OUT,   request.timed_out",
    "PENDING,    deny after 2h,         AlreadyDecided,  TIMED_OUT,   request.timed_out",
    "PENDING,    cancel after 2h,       AlreadyDecided,  TIMED_OUT,   request.timed_out",
    "PENDING,    disable then approve,  Refused,         PENDING,     decision.refused",
    "PENDING,    disable now,           -,               PENDING,     -",
    "APPROVED,   disable then due,      -,               FAILED,      grant.failed grant.removed",
    "APPROVED,   disable now,           -,               REVOKED,     request.revoked"
        + " grant.removed",
    "ACTIVE,     disable then due,      -,               ACTIVE,      -",
    "ACTIVE,     disable now,           -,               REVOKED,     request.revoked"
        + " grant.removed",
    "EXPIRED,    disable now,           -,               EXPIRED,     -",
    "DENIED,     disable now,           -,               DENIED,      -",
  })
  void lateDecisionsAndDisabledClusters(
      RequestState state, String useCase, String outcome, RequestState after, String audit) {
    TestRig rig = new TestRig().enabled();
    AccessRequest request = inState(rig, state);
    int recorded = rig.audit.forRequest(request.id()).size();
    if (useCase.endsWith("after 2h")) {
      rig.clock.advance(Duration.ofHours(2));
    }
    if (useCase.startsWith("disable")) {
      rig.service.disable(Fixtures.PROD, Fixtures.ADMIN, useCase.equals("disable now"));
    }
    String got =
        switch (useCase) {
          case "approve after 2h", "disable then approve" ->
              name(
                  rig.service.approve(
                      request.id(), Fixtures.APPROVER, DecisionMethod.BUTTON, Map.of()));
          case "deny after 2h" ->
              name(
                  rig.service.deny(
                      request.id(), Fixtures.APPROVER, DecisionMethod.BUTTON, Map.of()));
          case "cancel after 2h" -> name(rig.service.cancel(request.id(), Fixtures.ENGINEER));
          case "disable then due" -> {
            rig.service.runDue();
            yield "-";
          }
          case "disable now" -> "-";
          default -> throw new IllegalArgumentException(useCase);
        };
    assertThat(got).isEqualTo(outcome);
    assertThat(rig.get(request.id()).state()).isEqualTo(after);
    assertThat(
            rig.audit.forRequest(request.id()).stream()
                .skip(recorded)
                .map(e -> e.event().action().eventName())
                .toList())
        .as("audit events")
        .isEqualTo(audit.equals("-") ? List.of() : List.of(audit.split(" ")));
    assertThat(rig.cluster.granted())
        .as("nothing granted after the request's decision")
        .allSatisfy(
            g ->
                assertThat(g.id())
                    .isNotEqualTo(state == RequestState.PENDING ? request.id() : null));
    if (after.isFinal()) {
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
    AccessRequest shaped =
        switch (state) {
          case APPROVED ->
              pending
                  .withState(RequestState.APPROVED)
                  .withDecision(now, Fixtures.APPROVER)
                  .withExpiresAt(now.plus(pending.duration()))
                  .withGrantPresent(true)
                  .withRetry(0, Optional.of(now));
          case EXPIRED, REVOKED ->
              pending
                  .withState(state)
                  .withDecision(now, Fixtures.APPROVER)
                  .withGrantedAt(now)
                  .withExpiresAt(now.plus(pending.duration()))
                  .withEnd(now, Actor.SYSTEM);
          default -> pending.withState(state).withEnd(now, Actor.SYSTEM);
        };
    rig.requests.put(shaped.withVersion(pending.version() + 1));
    return shaped;
  }
}
