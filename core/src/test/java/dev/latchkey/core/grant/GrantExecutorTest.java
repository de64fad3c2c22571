package dev.latchkey.core.grant;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static dev.latchkey.core.testing.Fixtures.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Subject;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ForwardingClusterAccess;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Carrying out approvals and removals: grants, races with the timers and with a disable. */
class GrantExecutorTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Test
  void aRefusedGrantFailsAndLeavesNothing() {
    rig.cluster.refuseGrants(
        "clusterroles.rbac.authorization.k8s.io \"cluster-admin\" is forbidden");
    AccessRequest pending = rig.pending();
    AccessRequest r =
        ((DecideRequest.Result.Approved)
                core.decide()
                    .decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.APPROVE)))
            .request();
    assertThat(r.state()).isEqualTo(RequestState.FAILED);
    assertThat(r.failure()).hasValueSatisfying(f -> assertThat(f).contains("forbidden"));
    assertThat(r.grantPresent()).isFalse();
    // Refused means the cluster kept nothing of it (the adapter removed its own part): no removal
    // is owed.
    assertThat(rig.cluster.revoked()).doesNotContain(r.id());
    assertThat(rig.audit.actions(r.id()))
        .contains(AuditAction.GRANT_FAILED)
        .doesNotContain(AuditAction.GRANT_REMOVED);
    assertThat(r.dueAt()).isEmpty();
  }

  @Test
  void anUnreachableClusterIsRetriedWithBackoffThenFails() {
    rig.cluster.setReachable(false);
    AccessRequest pending = rig.pending();
    AccessRequest r =
        ((DecideRequest.Result.Approved)
                core.decide()
                    .decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.APPROVE)))
            .request();
    assertThat(r.state()).isEqualTo(RequestState.APPROVED);
    assertThat(r.nextAttemptAt()).contains(rig.clock.instant().plusSeconds(1));
    rig.clock.advance(Duration.ofSeconds(1));
    core.due().runAll();
    assertThat(rig.get(r.id()).nextAttemptAt()).contains(rig.clock.instant().plusSeconds(2));
    rig.clock.advance(Duration.ofMinutes(5));
    core.due().runAll();
    AccessRequest failed = rig.get(r.id());
    assertThat(failed.state()).isEqualTo(RequestState.FAILED);
    assertThat(failed.failure().orElseThrow()).contains("could not be reached");
    assertThat(failed.grantPresent()).as("clean-up still owed").isTrue();
    rig.cluster.setReachable(true);
    rig.clock.advance(Duration.ofSeconds(2));
    core.due().runAll();
    assertThat(rig.get(r.id()).grantPresent()).isFalse();
  }

  @Test
  void anApprovedRequestLeftByACrashIsGrantedByTheTimers() {
    AccessRequest approved = rig.inState(RequestState.APPROVED);
    assertThat(rig.cluster.holds(approved.id())).isFalse();
    core.due().runAll();
    assertThat(rig.get(approved.id()).state()).isEqualTo(RequestState.ACTIVE);
    assertThat(rig.cluster.holds(approved.id())).isTrue();
  }

  @Test
  void anApprovedRequestWhoseWindowPassedWhileDownExpiresWithoutGrant() {
    AccessRequest approved = rig.inState(RequestState.APPROVED);
    rig.clock.advance(Duration.ofHours(2));
    core.due().runAll();
    assertThat(rig.get(approved.id()).state()).isEqualTo(RequestState.EXPIRED);
    assertThat(rig.cluster.granted()).isEmpty();
  }

  /**
   * A cluster whose grant call first lets something else happen, as another thread would meanwhile.
   */
  private UseCases serviceWhoseGrantsAreInterruptedBy(
      java.util.function.Consumer<ClusterAccess.Grant> meanwhile) {
    ClusterAccess interrupted =
        new ForwardingClusterAccess(rig.cluster) {
          @Override
          public GrantResult grant(Grant grant) {
            meanwhile.accept(grant);
            return rig.cluster.grant(grant);
          }
        };
    return rig.wire(Fixtures.customers(), interrupted, new java.util.Random(3));
  }

  @Test
  void aTimerPassDuringTheApproversGrantDoesNotGrantASecondTime() {
    java.util.concurrent.atomic.AtomicReference<UseCases> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    UseCases racing =
        serviceWhoseGrantsAreInterruptedBy(
            grant -> {
              if (rig.cluster.grantCalls() == 0) {
                self.get()
                    .due()
                    .runAll(); // the timers wake up while the approving thread is still granting
              }
            });
    self.set(racing);
    AccessRequest pending = rig.pending();
    racing.decide().decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.APPROVE));
    assertThat(rig.cluster.grantCalls()).isEqualTo(1);
    assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.ACTIVE);
  }

  @Test
  void aGrantThatLandsAfterARevokeIsRemovedAgain() {
    java.util.concurrent.atomic.AtomicReference<UseCases> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    UseCases racing =
        serviceWhoseGrantsAreInterruptedBy(
            grant -> self.get().revoke().revoke(grant.id(), ENGINEER));
    self.set(racing);
    AccessRequest pending = rig.pending();
    racing.decide().decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.APPROVE));
    AccessRequest revoked = rig.get(pending.id());
    assertThat(revoked.state()).isEqualTo(RequestState.REVOKED);
    assertThat(rig.cluster.holds(pending.id())).as("re-created objects removed again").isFalse();
    assertThat(revoked.grantPresent()).isFalse();
  }

  @Test
  void theTimersTakeOverAGrantWhoseApproverDiedAfterTheLease() {
    AccessRequest pending = rig.pending();
    AccessRequest approved =
        pending
            .withState(RequestState.APPROVED)
            .withDecision(rig.clock.instant(), APPROVER)
            .withExpiresAt(rig.clock.instant().plus(Duration.ofHours(1)))
            .withGrantPresent(true)
            .withRetry(0, Optional.of(rig.clock.instant().plus(GrantExecutor.GRANT_LEASE)));
    rig.requests.put(approved.withVersion(pending.version() + 1));
    core.due().runAll();
    assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.APPROVED);
    rig.clock.advance(GrantExecutor.GRANT_LEASE);
    core.due().runAll();
    assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.ACTIVE);
  }

  @Test
  void externalSubjectsComeFromTheVerifiedIdentity() {
    AccessRequest r =
        ((SubmitRequest.Result.Submitted)
                rig.submit(STAGING, "readonly", "1h", List.of("web"), "x"))
            .request();
    core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));
    assertThat(rig.cluster.live(r.id()).orElseThrow().subject())
        .isEqualTo(new Subject.User("support:alice@vendor.example"));
  }

  @Nested
  class DisableRacingAGrant {
    @Test
    void anApprovedRequestWhoseClusterWasDisabledBeforeTheGrantFailsWithoutGranting() {
      rig.cluster.setReachable(false);
      AccessRequest r = rig.pending();
      core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.APPROVED);
      core.disable().disable(PROD, ADMIN, false);
      rig.cluster.setReachable(true);

      rig.clock.advance(Duration.ofMinutes(1));
      core.due().runAll();

      AccessRequest after = rig.get(r.id());
      assertThat(after.state()).isEqualTo(RequestState.FAILED);
      assertThat(after.failure()).hasValueSatisfying(f -> assertThat(f).contains("disabled"));
      assertThat(rig.cluster.granted()).isEmpty();
      assertThat(rig.cluster.holds(r.id())).isFalse();
    }

    @Test
    void aDisableNowLandingDuringTheGrantLeavesNothingGranted() {
      AccessRequest r = rig.pending();
      UseCases racing =
          rig.interrupted(grant -> core.disable().disable(PROD, ADMIN, true), rig.cluster::grant);

      var outcome =
          racing.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));

      assertThat(outcome).isInstanceOf(DecideRequest.Result.Approved.class);
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.cluster.holds(r.id())).as("the late grant was removed again").isFalse();
    }

    @Test
    void aGrantThatEndsUnavailableAfterAConcurrentRevokeLeavesNothing() {
      AccessRequest r = rig.pending();
      // The revoke lands mid-grant; the grant then creates its objects but its answer is lost
      // (unavailable).
      UseCases racing =
          rig.interrupted(
              grant -> core.revoke().revoke(grant.id(), ENGINEER),
              grant -> {
                rig.cluster.grant(grant);
                return new ClusterAccess.GrantResult.Unavailable("timeout");
              });

      racing.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.cluster.holds(r.id())).isFalse();
      assertThat(rig.get(r.id()).grantPresent()).isFalse();
    }
  }
}
