package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.request.Decision;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
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
    AccessRequest request = rig.inState(state);
    int recorded = rig.audit.forRequest(request.id()).size();
    String got =
        switch (useCase) {
          case "approve" ->
              name(
                  rig.core
                      .decide()
                      .decide(
                          Decision.click(
                              request.id(), Fixtures.APPROVER, Decision.Verdict.APPROVE)));
          case "deny" ->
              name(
                  rig.core
                      .decide()
                      .decide(
                          Decision.click(request.id(), Fixtures.APPROVER, Decision.Verdict.DENY)));
          case "cancel" -> name(rig.core.cancel().cancel(request.id(), Fixtures.ENGINEER));
          case "revoke" -> name(rig.core.revoke().revoke(request.id(), Fixtures.ENGINEER));
          case "extend" ->
              name(
                  rig.core
                      .extend()
                      .extend(request.id(), Fixtures.ENGINEER, Duration.ofMinutes(30)));
          case "kubeconfig" -> name(rig.core.kubeconfig().issue(request.id(), Fixtures.ENGINEER));
          case "due" -> {
            if (state != RequestState.APPROVED) { // an approved request is due at once
              rig.clock.advance(Duration.ofHours(3));
            }
            rig.core.due().runAll();
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
    AccessRequest request = rig.inState(state);
    int recorded = rig.audit.forRequest(request.id()).size();
    if (useCase.endsWith("after 2h")) {
      rig.clock.advance(Duration.ofHours(2));
    }
    if (useCase.startsWith("disable")) {
      rig.core.disable().disable(Fixtures.PROD, Fixtures.ADMIN, useCase.equals("disable now"));
    }
    String got =
        switch (useCase) {
          case "approve after 2h", "disable then approve" ->
              name(
                  rig.core
                      .decide()
                      .decide(
                          Decision.click(
                              request.id(), Fixtures.APPROVER, Decision.Verdict.APPROVE)));
          case "deny after 2h" ->
              name(
                  rig.core
                      .decide()
                      .decide(
                          Decision.click(request.id(), Fixtures.APPROVER, Decision.Verdict.DENY)));
          case "cancel after 2h" -> name(rig.core.cancel().cancel(request.id(), Fixtures.ENGINEER));
          case "disable then due" -> {
            rig.core.due().runAll();
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

  /** A result's name as the table spells it, whichever use case gave it. */
  private static String name(Object outcome) {
    return switch (outcome.getClass().getSimpleName()) {
      case "AlreadyEnded" -> "AlreadyDecided";
      case "Requested" -> "ExtensionRequested";
      case String other -> other;
    };
  }
}
