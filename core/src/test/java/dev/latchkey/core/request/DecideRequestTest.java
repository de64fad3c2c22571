package dev.latchkey.core.request;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.APPROVER_2;
import static dev.latchkey.core.testing.Fixtures.BYSTANDER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.FOREIGN_APPROVER;
import static dev.latchkey.core.testing.Fixtures.GROUP_APPROVER;
import static dev.latchkey.core.testing.Fixtures.OTHER_ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Subject;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.DisableSupportAccess;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.Policies;
import dev.latchkey.core.testing.Refusals;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Approvers decide: who may, how many, and the rules as they stand at the decision. */
class DecideRequestTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;
  private static final Map<String, String> NO_DETAILS = Map.of();

  @Test
  void approvalGrantsAtOnceAndFixesTheWindowFromApproval() {
    AccessRequest pending = rig.pending();
    rig.clock.advance(Duration.ofMinutes(10));
    var outcome =
        core.decide().decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.APPROVE));
    AccessRequest r = ((DecideRequest.Result.Approved) outcome).request();
    assertThat(r.state()).isEqualTo(RequestState.ACTIVE);
    assertThat(r.expiresAt()).contains(rig.clock.instant().plus(Duration.ofHours(1)));
    assertThat(r.grantPresent()).isTrue();
    ClusterAccess.Grant grant = rig.cluster.live(r.id()).orElseThrow();
    assertThat(grant.clusterRole()).isEqualTo("latchkey-readonly");
    assertThat(grant.subject())
        .isEqualTo(new Subject.ServiceAccount("latchkey-grants", r.id().value()));
    assertThat(grant.approvers()).containsExactly("slack:T0CUSTOMER/U0APPROVER1");
    assertThat(rig.audit.actions(r.id()))
        .containsExactly(
            AuditAction.REQUEST_SUBMITTED,
            AuditAction.APPROVAL_GIVEN,
            AuditAction.REQUEST_APPROVED,
            AuditAction.GRANT_CREATED);
  }

  @Test
  void theRequesterCanNeverDecideTheirOwnRequest() {
    // A customer whose own engineer is also its approver: still not for their own request.
    TestRig rig2 = new TestRig(Customers.of(List.of(withApprover(ENGINEER))));
    rig2.core.enable().enable(PROD, ENGINEER, Set.of("readonly"));
    AccessRequest pending = rig2.pending();
    assertThat(
            Refusals.reason(
                rig2.core
                    .decide()
                    .decide(Decision.click(pending.id(), ENGINEER, Decision.Verdict.APPROVE))))
        .isEqualTo(Refusal.Reason.SELF_APPROVAL);
    assertThat(rig2.get(pending.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(rig2.audit.actions(pending.id())).contains(AuditAction.DECISION_REFUSED);
  }

  private Customer withApprover(Actor.SlackUser user) {
    Customer acme = Fixtures.acme();
    return new Customer(
        acme.id(),
        user.teamId(),
        acme.channelId(),
        Set.of(user.userId()),
        Optional.empty(),
        Set.of(user.userId()),
        acme.clusters());
  }

  @Test
  void nonApproversAndOtherWorkspacesAreRefusedAndAudited() {
    AccessRequest pending = rig.pending();
    assertThat(
            Refusals.reason(
                core.decide()
                    .decide(Decision.click(pending.id(), BYSTANDER, Decision.Verdict.APPROVE))))
        .isEqualTo(Refusal.Reason.NOT_APPROVER);
    assertThat(
            Refusals.reason(
                core.decide()
                    .decide(
                        Decision.click(pending.id(), FOREIGN_APPROVER, Decision.Verdict.APPROVE))))
        .isEqualTo(Refusal.Reason.FOREIGN_WORKSPACE);
    assertThat(
            Refusals.reason(
                core.decide()
                    .decide(
                        new Decision(
                            pending.id(),
                            OTHER_ENGINEER,
                            Decision.Verdict.DENY,
                            DecisionMethod.THREAD_REPLY,
                            Map.of(),
                            Optional.empty(),
                            Optional.empty()))))
        .isEqualTo(Refusal.Reason.FOREIGN_WORKSPACE);
    assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(rig.audit.count(AuditAction.DECISION_REFUSED)).isEqualTo(3);
  }

  @Test
  void groupMembersApproveAndAnUnreachableDirectoryRefuses() {
    AccessRequest pending = rig.pending();
    rig.directory.setReachable(false);
    assertThat(
            Refusals.reason(
                core.decide()
                    .decide(
                        Decision.click(pending.id(), GROUP_APPROVER, Decision.Verdict.APPROVE))))
        .isEqualTo(Refusal.Reason.APPROVER_UNVERIFIED);
    rig.directory.setReachable(true);
    assertThat(
            core.decide()
                .decide(Decision.click(pending.id(), GROUP_APPROVER, Decision.Verdict.APPROVE)))
        .isInstanceOf(DecideRequest.Result.Approved.class);
  }

  @Test
  void anUnreachableDirectoryIsSaidAsSuchOnRevokeAndDisableNotAsAMissingPermission() {
    AccessRequest active = rig.active();
    rig.directory.setReachable(false);
    assertThat(Refusals.reason(core.revoke().revoke(active.id(), GROUP_APPROVER)))
        .isEqualTo(Refusal.Reason.APPROVER_UNVERIFIED);
    assertThat(core.disable().disable(PROD, GROUP_APPROVER, true))
        .isInstanceOfSatisfying(
            DisableSupportAccess.Result.Refused.class,
            refused ->
                assertThat(refused.refusal().reason())
                    .isEqualTo(Refusal.Reason.APPROVER_UNVERIFIED));
    assertThat(rig.get(active.id()).state()).isEqualTo(RequestState.ACTIVE);
    rig.directory.setReachable(true);
    assertThat(Refusals.reason(core.revoke().revoke(active.id(), BYSTANDER)))
        .isEqualTo(Refusal.Reason.NOT_ALLOWED);
    assertThat(core.revoke().revoke(active.id(), GROUP_APPROVER))
        .isInstanceOf(RevokeAccess.Result.Revoked.class);
  }

  @Test
  void rolesNeedingTwoApproversNeedTwoDistinctOnes() {
    AccessRequest pending = rig.pending("admin");
    var first =
        core.decide().decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.APPROVE));
    assertThat(first)
        .isInstanceOfSatisfying(
            DecideRequest.Result.AwaitingMoreApprovals.class,
            a -> {
              assertThat(a.given()).isEqualTo(1);
              assertThat(a.required()).isEqualTo(2);
            });
    var again =
        core.decide()
            .decide(
                new Decision(
                    pending.id(),
                    APPROVER,
                    Decision.Verdict.APPROVE,
                    DecisionMethod.THREAD_REPLY,
                    Map.of(),
                    Optional.empty(),
                    Optional.empty()));
    assertThat(again).isInstanceOf(DecideRequest.Result.AwaitingMoreApprovals.class);
    assertThat(rig.get(pending.id()).approvals()).hasSize(1);
    assertThat(rig.cluster.holds(pending.id())).isFalse();
    var second =
        core.decide().decide(Decision.click(pending.id(), APPROVER_2, Decision.Verdict.APPROVE));
    assertThat(((DecideRequest.Result.Approved) second).request().state())
        .isEqualTo(RequestState.ACTIVE);
    assertThat(rig.cluster.live(pending.id()).orElseThrow().clusterRole())
        .isEqualTo("cluster-admin");
  }

  @Test
  void aPendingRequestOnADisabledClusterCanNoLongerBeApproved() {
    AccessRequest pending = rig.pending();
    core.disable().disable(PROD, ADMIN, false);
    assertThat(
            Refusals.reason(
                core.decide()
                    .decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.APPROVE))))
        .isEqualTo(Refusal.Reason.CLUSTER_DISABLED);
    assertThat(core.decide().decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.DENY)))
        .isInstanceOf(DecideRequest.Result.Denied.class);
  }

  @Test
  void onlyTheRequesterCancels() {
    AccessRequest pending = rig.pending();
    assertThat(Refusals.reason(core.cancel().cancel(pending.id(), APPROVER)))
        .isEqualTo(Refusal.Reason.NOT_REQUESTER);
    assertThat(core.cancel().cancel(pending.id(), ENGINEER))
        .isInstanceOf(CancelRequest.Result.Cancelled.class);
  }

  @Test
  void unknownIdsAreNotFound() {
    RequestId unknown = RequestId.parse("ar-00000000").orElseThrow();
    assertThat(core.decide().decide(Decision.click(unknown, APPROVER, Decision.Verdict.APPROVE)))
        .isInstanceOf(DecideRequest.Result.NotFound.class);
    assertThat(core.revoke().revoke(unknown, APPROVER))
        .isInstanceOf(RevokeAccess.Result.NotFound.class);
  }

  @Nested
  class LateDecisions {
    @Test
    void anApprovalAfterTheTwoHourWindowGrantsNothingEvenIfTheTimerHasNotRun() {
      AccessRequest r = rig.pending();
      rig.clock.advance(Duration.ofHours(2));

      var outcome =
          core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));

      assertThat(outcome)
          .isInstanceOfSatisfying(
              DecideRequest.Result.AlreadyDecided.class,
              d -> assertThat(d.request().state()).isEqualTo(RequestState.TIMED_OUT));
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(rig.cluster.granted()).isEmpty();
      assertThat(rig.audit.actions(r.id()))
          .containsExactly(AuditAction.REQUEST_SUBMITTED, AuditAction.REQUEST_TIMED_OUT);
    }

    @Test
    void aDenialOrCancellationAfterTheWindowFindsItTimedOut() {
      AccessRequest denied = rig.pending();
      AccessRequest cancelled = rig.pending();
      rig.clock.advance(Duration.ofHours(3));

      assertThat(core.decide().decide(Decision.click(denied.id(), APPROVER, Decision.Verdict.DENY)))
          .isInstanceOf(DecideRequest.Result.AlreadyDecided.class);
      assertThat(core.cancel().cancel(cancelled.id(), ENGINEER))
          .isInstanceOf(CancelRequest.Result.AlreadyDecided.class);

      assertThat(rig.get(denied.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(rig.get(cancelled.id()).state()).isEqualTo(RequestState.TIMED_OUT);
    }

    @Test
    void aWrittenApprovalMadeInsideTheWindowCountsWhenReadLaterAndItsWindowStartsThen() {
      AccessRequest r = rig.pending(); // 1 h of readonly
      java.time.Instant written = rig.clock.instant().plus(Duration.ofMinutes(115));
      rig.clock.advance(Duration.ofMinutes(130)); // Latchkey was down when it was written

      var outcome =
          core.decide()
              .decide(
                  new Decision(
                      r.id(),
                      APPROVER,
                      Decision.Verdict.APPROVE,
                      DecisionMethod.THREAD_REPLY,
                      NO_DETAILS,
                      Optional.of(written),
                      Optional.empty()));

      assertThat(outcome).isInstanceOf(DecideRequest.Result.Approved.class);
      AccessRequest after = rig.get(r.id());
      assertThat(after.state()).isEqualTo(RequestState.ACTIVE);
      assertThat(after.decidedAt()).contains(written);
      assertThat(after.expiresAt()).contains(written.plus(Duration.ofHours(1)));
    }

    @Test
    void aWrittenApprovalWhoseAccessWindowAlsoPassedGrantsNothing() {
      AccessRequest r = rig.pending();
      java.time.Instant written = rig.clock.instant().plus(Duration.ofMinutes(10));
      rig.clock.advance(Duration.ofHours(3));

      core.decide()
          .decide(
              new Decision(
                  r.id(),
                  APPROVER,
                  Decision.Verdict.APPROVE,
                  DecisionMethod.THREAD_REPLY,
                  NO_DETAILS,
                  Optional.of(written),
                  Optional.empty()));

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.cluster.granted()).isEmpty();
    }

    @Test
    void aClaimedDecisionTimeOutsideTheRequestsLifeIsIgnored() {
      AccessRequest r = rig.pending();
      rig.clock.advance(Duration.ofHours(3));

      core.decide()
          .decide(
              new Decision(
                  r.id(),
                  APPROVER,
                  Decision.Verdict.APPROVE,
                  DecisionMethod.THREAD_REPLY,
                  NO_DETAILS,
                  Optional.of(r.createdAt().minusSeconds(1)),
                  Optional.empty()));

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.TIMED_OUT);
    }

    @Test
    void aDecisionJustInsideTheWindowStillCounts() {
      AccessRequest r = rig.pending();
      rig.clock.advance(Duration.ofHours(2).minusMillis(1));

      assertThat(core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE)))
          .isInstanceOf(DecideRequest.Result.Approved.class);
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE);
    }
  }

  @Nested
  class ConfigurationChanged {
    @Test
    void anApprovedRequestWhoseRoleWasRemovedFailsInsteadOfRetryingForever() {
      rig.cluster.setReachable(false);
      AccessRequest r = rig.pending("operator");
      core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));
      rig.cluster.setReachable(true);
      UseCases restarted =
          rig.withProd(
              p -> Policies.withoutRole(p, "operator"), Set.of("U0APPROVER1", "U0APPROVER2"));

      rig.clock.advance(Duration.ofMinutes(1));
      assertThat(restarted.due().runAll().errors()).isEmpty();

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.FAILED);
      assertThat(rig.get(r.id()).failure())
          .hasValueSatisfying(f -> assertThat(f).contains("no longer offered"));
      assertThat(rig.cluster.granted()).isEmpty();
    }

    @Test
    void aNamespaceNoLongerAllowedRefusesTheApproval() {
      AccessRequest r =
          ((SubmitRequest.Result.Submitted)
                  core.submit()
                      .submit(
                          rig.submission(
                              PROD,
                              "readonly",
                              Optional.of(Duration.ofHours(1)),
                              List.of("payments", "web"))))
              .request();
      UseCases narrowed =
          rig.withProd(
              p ->
                  new ClusterPolicy(
                      p.cluster(),
                      p.roles(),
                      List.of("web"),
                      p.pendingTtl(),
                      p.credentials(),
                      p.subjectTemplate()),
              Set.of("U0APPROVER1", "U0APPROVER2"));

      var outcome =
          narrowed.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));

      assertThat(outcome)
          .isInstanceOfSatisfying(
              DecideRequest.Result.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason())
                      .isEqualTo(Refusal.Reason.NAMESPACE_NOT_ALLOWED));
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.PENDING);
      assertThat(rig.cluster.granted()).isEmpty();
      AccessRequest clusterWide = rig.pending();
      assertThat(
              narrowed
                  .decide()
                  .decide(Decision.click(clusterWide.id(), APPROVER, Decision.Verdict.APPROVE)))
          .as("cluster scope stays allowed")
          .isInstanceOf(DecideRequest.Result.Approved.class);
    }

    @Test
    void aMaximumLoweredSinceSubmissionRefusesTheApprovalRatherThanCutting() {
      var submitted =
          core.submit()
              .submit(
                  rig.submission(PROD, "operator", Optional.of(Duration.ofHours(3)), List.of()));
      AccessRequest r = ((SubmitRequest.Result.Submitted) submitted).request();
      UseCases shorter =
          rig.withProd(
              p ->
                  Policies.withRole(
                      p,
                      new RoleDefinition(
                          "operator", "latchkey-operator", "op", Duration.ofHours(1), 1)),
              Set.of("U0APPROVER1", "U0APPROVER2"));

      var outcome =
          shorter.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));

      assertThat(outcome)
          .isInstanceOfSatisfying(
              DecideRequest.Result.Refused.class,
              x ->
                  assertThat(x.refusal().reason())
                      .isEqualTo(Refusal.Reason.DURATION_ABOVE_MAXIMUM));
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.PENDING);
      assertThat(rig.audit.actions(r.id())).contains(AuditAction.DECISION_REFUSED);
    }

    @Test
    void approvalsRequiredRaisedSinceSubmissionAreRequired() {
      AccessRequest r = rig.pending("operator");
      UseCases stricter =
          rig.withProd(
              p ->
                  Policies.withRole(
                      p,
                      new RoleDefinition(
                          "operator", "latchkey-operator", "op", Duration.ofHours(4), 2)),
              Set.of("U0APPROVER1", "U0APPROVER2"));

      var first =
          stricter.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));

      assertThat(first)
          .isInstanceOfSatisfying(
              DecideRequest.Result.AwaitingMoreApprovals.class,
              a -> assertThat(a.required()).isEqualTo(2));
      assertThat(rig.get(r.id()).approvalsRequired()).isEqualTo(2);
      assertThat(
              stricter
                  .decide()
                  .decide(Decision.click(r.id(), APPROVER_2, Decision.Verdict.APPROVE)))
          .isInstanceOf(DecideRequest.Result.Approved.class);
    }

    @Test
    void anEarlierApproverSinceRemovedNoLongerCounts() {
      AccessRequest r = rig.pending("admin");
      core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));
      UseCases withoutFirst = rig.withProd(p -> p, Set.of("U0APPROVER2", "U0APPROVER3"));

      var second =
          withoutFirst
              .decide()
              .decide(Decision.click(r.id(), APPROVER_2, Decision.Verdict.APPROVE));

      assertThat(second).isInstanceOf(DecideRequest.Result.AwaitingMoreApprovals.class);
      AccessRequest after = rig.get(r.id());
      assertThat(after.state()).isEqualTo(RequestState.PENDING);
      assertThat(after.approvals()).extracting(Approval::approver).containsExactly(APPROVER_2);
      assertThat(rig.cluster.granted()).isEmpty();
    }
  }
}
