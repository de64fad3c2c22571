package dev.latchkey.core;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.APPROVER_2;
import static dev.latchkey.core.testing.Fixtures.BYSTANDER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.FOREIGN_APPROVER;
import static dev.latchkey.core.testing.Fixtures.GROUP_APPROVER;
import static dev.latchkey.core.testing.Fixtures.OTHER_ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static dev.latchkey.core.testing.Fixtures.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.ForwardingClusterAccess;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class AccessServiceTest {
  private final TestRig rig = new TestRig().enabled();
  private final AccessService service = rig.service;

  private Outcome submit(
      ClusterRef cluster, String role, String duration, List<String> ns, String reason) {
    return service.submit(
        new Submission(
            cluster.customer(),
            cluster.name(),
            role,
            Optional.ofNullable(duration).map(d -> Durations.parse(d).orElseThrow()),
            ns,
            Fixtures.REQUESTER,
            reason));
  }

  private static Refusal.Reason reason(Outcome outcome) {
    assertThat(outcome).isInstanceOf(Outcome.Refused.class);
    return ((Outcome.Refused) outcome).refusal().reason();
  }

  @Nested
  class Submitting {
    @Test
    void createsAPendingRequestWithTheDefaultWindowAndTtl() {
      Outcome outcome = submit(PROD, "readonly", null, List.of(), "  INC-1 look at pods ");
      AccessRequest r = ((Outcome.Submitted) outcome).request();
      assertThat(r.state()).isEqualTo(RequestState.PENDING);
      assertThat(r.duration()).isEqualTo(Duration.ofHours(8));
      assertThat(r.pendingExpiresAt()).isEqualTo(rig.clock.instant().plus(Duration.ofHours(2)));
      assertThat(r.reason()).isEqualTo("INC-1 look at pods");
      assertThat(r.scope()).isEqualTo(Scope.CLUSTER);
      assertThat(r.credentials()).isEqualTo(CredentialMode.TOKEN);
      assertThat(r.id().value()).matches("ar-[0-9a-z]{8}");
      assertThat(rig.audit.actions(r.id())).containsExactly(AuditAction.REQUEST_SUBMITTED);
      assertThat(rig.notifier.kinds()).contains("request.submitted");
    }

    @Test
    void defaultWindowIsCutToARoleMaximumBelowEightHours() {
      AccessRequest r =
          ((Outcome.Submitted) submit(PROD, "operator", null, List.of(), "x")).request();
      assertThat(r.duration()).isEqualTo(Duration.ofHours(4));
    }

    @Test
    void refusesWhatTheRulesForbidAndAuditsIt() {
      assertThat(
              reason(
                  submit(new ClusterRef(Fixtures.ACME, "nope"), "readonly", "1h", List.of(), "x")))
          .isEqualTo(Refusal.Reason.UNKNOWN_CLUSTER);
      assertThat(reason(submit(PROD, "root", "1h", List.of(), "x")))
          .isEqualTo(Refusal.Reason.UNKNOWN_ROLE);
      assertThat(reason(submit(PROD, "readonly", "1h", List.of(), "   ")))
          .isEqualTo(Refusal.Reason.MISSING_REASON);
      assertThat(reason(submit(PROD, "readonly", "1h", List.of(), "x".repeat(501))))
          .isEqualTo(Refusal.Reason.REASON_TOO_LONG);
      assertThat(submit(PROD, "readonly", "1h", List.of(), "x".repeat(500)))
          .isInstanceOf(Outcome.Submitted.class);
      assertThat(reason(submit(PROD, "operator", "5h", List.of(), "x")))
          .isEqualTo(Refusal.Reason.DURATION_ABOVE_MAXIMUM);
      assertThat(reason(submit(PROD, "readonly", "9m", List.of(), "x")))
          .isEqualTo(Refusal.Reason.DURATION_TOO_SHORT);
      assertThat(reason(submit(STAGING, "readonly", "1h", List.of("kube-system"), "x")))
          .isEqualTo(Refusal.Reason.NAMESPACE_NOT_ALLOWED);
      assertThat(reason(submit(PROD, "readonly", "1h", List.of("Bad_NS"), "x")))
          .isEqualTo(Refusal.Reason.INVALID_NAMESPACE);
      assertThat(rig.audit.count(AuditAction.REQUEST_REFUSED)).isEqualTo(8);
    }

    @Test
    void externalModeAllowsShortWindowsAndNamespaces() {
      Outcome outcome = submit(STAGING, "readonly", "5m", List.of("web", "db"), "x");
      AccessRequest r = ((Outcome.Submitted) outcome).request();
      assertThat(r.scope()).isEqualTo(new Scope.Namespaces(List.of("db", "web")));
      assertThat(r.credentials()).isEqualTo(CredentialMode.EXTERNAL);
    }

    @Test
    void disabledClusterOrRoleRefusesNewRequests() {
      TestRig fresh = new TestRig();
      Outcome disabled =
          fresh.service.submit(fresh.submission(PROD, "readonly", Optional.empty(), List.of()));
      assertThat(reason(disabled)).isEqualTo(Refusal.Reason.CLUSTER_DISABLED);
      fresh.service.enable(PROD, ADMIN, Set.of());
      Outcome notEnabled =
          fresh.service.submit(fresh.submission(PROD, "admin", Optional.empty(), List.of()));
      assertThat(reason(notEnabled)).isEqualTo(Refusal.Reason.ROLE_NOT_ENABLED);
    }
  }

  @Nested
  class Deciding {
    @Test
    void approvalGrantsAtOnceAndFixesTheWindowFromApproval() {
      AccessRequest pending = rig.pending();
      rig.clock.advance(Duration.ofMinutes(10));
      Outcome outcome = service.approve(pending.id(), APPROVER, DecisionMethod.BUTTON, Map.of());
      AccessRequest r = ((Outcome.Approved) outcome).request();
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
      rig2.service.enable(PROD, ENGINEER, Set.of("readonly"));
      AccessRequest pending = rig2.pending();
      assertThat(
              reason(rig2.service.approve(pending.id(), ENGINEER, DecisionMethod.BUTTON, Map.of())))
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
      assertThat(reason(service.approve(pending.id(), BYSTANDER, DecisionMethod.BUTTON, Map.of())))
          .isEqualTo(Refusal.Reason.NOT_APPROVER);
      assertThat(
              reason(
                  service.approve(pending.id(), FOREIGN_APPROVER, DecisionMethod.BUTTON, Map.of())))
          .isEqualTo(Refusal.Reason.FOREIGN_WORKSPACE);
      assertThat(
              reason(
                  service.deny(
                      pending.id(), OTHER_ENGINEER, DecisionMethod.THREAD_REPLY, Map.of())))
          .isEqualTo(Refusal.Reason.FOREIGN_WORKSPACE);
      assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.PENDING);
      assertThat(rig.audit.count(AuditAction.DECISION_REFUSED)).isEqualTo(3);
    }

    @Test
    void groupMembersApproveAndAnUnreachableDirectoryRefuses() {
      AccessRequest pending = rig.pending();
      rig.directory.setReachable(false);
      assertThat(
              reason(
                  service.approve(pending.id(), GROUP_APPROVER, DecisionMethod.BUTTON, Map.of())))
          .isEqualTo(Refusal.Reason.APPROVER_UNVERIFIED);
      rig.directory.setReachable(true);
      assertThat(service.approve(pending.id(), GROUP_APPROVER, DecisionMethod.BUTTON, Map.of()))
          .isInstanceOf(Outcome.Approved.class);
    }

    @Test
    void anUnreachableDirectoryIsSaidAsSuchOnRevokeAndDisableNotAsAMissingPermission() {
      AccessRequest active = rig.active();
      rig.directory.setReachable(false);
      assertThat(reason(service.revoke(active.id(), GROUP_APPROVER)))
          .isEqualTo(Refusal.Reason.APPROVER_UNVERIFIED);
      assertThat(service.disable(PROD, GROUP_APPROVER, true))
          .isInstanceOfSatisfying(
              ClusterOutcome.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason())
                      .isEqualTo(Refusal.Reason.APPROVER_UNVERIFIED));
      assertThat(rig.get(active.id()).state()).isEqualTo(RequestState.ACTIVE);
      rig.directory.setReachable(true);
      assertThat(reason(service.revoke(active.id(), BYSTANDER)))
          .isEqualTo(Refusal.Reason.NOT_ALLOWED);
      assertThat(service.revoke(active.id(), GROUP_APPROVER)).isInstanceOf(Outcome.Revoked.class);
    }

    @Test
    void rolesNeedingTwoApproversNeedTwoDistinctOnes() {
      AccessRequest pending = rig.pending("admin");
      Outcome first = service.approve(pending.id(), APPROVER, DecisionMethod.BUTTON, Map.of());
      assertThat(first)
          .isInstanceOfSatisfying(
              Outcome.AwaitingMoreApprovals.class,
              a -> {
                assertThat(a.given()).isEqualTo(1);
                assertThat(a.required()).isEqualTo(2);
              });
      Outcome again =
          service.approve(pending.id(), APPROVER, DecisionMethod.THREAD_REPLY, Map.of());
      assertThat(again).isInstanceOf(Outcome.AwaitingMoreApprovals.class);
      assertThat(rig.get(pending.id()).approvals()).hasSize(1);
      assertThat(rig.cluster.holds(pending.id())).isFalse();
      Outcome second = service.approve(pending.id(), APPROVER_2, DecisionMethod.BUTTON, Map.of());
      assertThat(((Outcome.Approved) second).request().state()).isEqualTo(RequestState.ACTIVE);
      assertThat(rig.cluster.live(pending.id()).orElseThrow().clusterRole())
          .isEqualTo("cluster-admin");
    }

    @Test
    void aPendingRequestOnADisabledClusterCanNoLongerBeApproved() {
      AccessRequest pending = rig.pending();
      service.disable(PROD, ADMIN, false);
      assertThat(reason(service.approve(pending.id(), APPROVER, DecisionMethod.BUTTON, Map.of())))
          .isEqualTo(Refusal.Reason.CLUSTER_DISABLED);
      assertThat(service.deny(pending.id(), APPROVER, DecisionMethod.BUTTON, Map.of()))
          .isInstanceOf(Outcome.Denied.class);
    }

    @Test
    void onlyTheRequesterCancels() {
      AccessRequest pending = rig.pending();
      assertThat(reason(service.cancel(pending.id(), APPROVER)))
          .isEqualTo(Refusal.Reason.NOT_REQUESTER);
      assertThat(service.cancel(pending.id(), ENGINEER)).isInstanceOf(Outcome.Cancelled.class);
    }

    @Test
    void unknownIdsAreNotFound() {
      RequestId unknown = RequestId.parse("ar-00000000").orElseThrow();
      assertThat(service.approve(unknown, APPROVER, DecisionMethod.BUTTON, Map.of()))
          .isInstanceOf(Outcome.NotFound.class);
      assertThat(service.revoke(unknown, APPROVER)).isInstanceOf(Outcome.NotFound.class);
    }
  }

  @Nested
  class Granting {
    @Test
    void aRefusedGrantFailsAndLeavesNothing() {
      rig.cluster.refuseGrants(
          "clusterroles.rbac.authorization.k8s.io \"cluster-admin\" is forbidden");
      AccessRequest pending = rig.pending();
      AccessRequest r =
          ((Outcome.Approved)
                  service.approve(pending.id(), APPROVER, DecisionMethod.BUTTON, Map.of()))
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
          ((Outcome.Approved)
                  service.approve(pending.id(), APPROVER, DecisionMethod.BUTTON, Map.of()))
              .request();
      assertThat(r.state()).isEqualTo(RequestState.APPROVED);
      assertThat(r.nextAttemptAt()).contains(rig.clock.instant().plusSeconds(1));
      rig.clock.advance(Duration.ofSeconds(1));
      service.runDue();
      assertThat(rig.get(r.id()).nextAttemptAt()).contains(rig.clock.instant().plusSeconds(2));
      rig.clock.advance(Duration.ofMinutes(5));
      service.runDue();
      AccessRequest failed = rig.get(r.id());
      assertThat(failed.state()).isEqualTo(RequestState.FAILED);
      assertThat(failed.failure().orElseThrow()).contains("could not be reached");
      assertThat(failed.grantPresent()).as("clean-up still owed").isTrue();
      rig.cluster.setReachable(true);
      rig.clock.advance(Duration.ofSeconds(2));
      service.runDue();
      assertThat(rig.get(r.id()).grantPresent()).isFalse();
    }

    @Test
    void anApprovedRequestLeftByACrashIsGrantedByTheTimers() {
      AccessRequest approved = StateMachineTest.inState(rig, RequestState.APPROVED);
      assertThat(rig.cluster.holds(approved.id())).isFalse();
      service.runDue();
      assertThat(rig.get(approved.id()).state()).isEqualTo(RequestState.ACTIVE);
      assertThat(rig.cluster.holds(approved.id())).isTrue();
    }

    @Test
    void anApprovedRequestWhoseWindowPassedWhileDownExpiresWithoutGrant() {
      AccessRequest approved = StateMachineTest.inState(rig, RequestState.APPROVED);
      rig.clock.advance(Duration.ofHours(2));
      service.runDue();
      assertThat(rig.get(approved.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.cluster.granted()).isEmpty();
    }

    /**
     * A cluster whose grant call first lets something else happen, as another thread would
     * meanwhile.
     */
    private AccessService serviceWhoseGrantsAreInterruptedBy(
        java.util.function.Consumer<ClusterAccess.Grant> meanwhile) {
      ClusterAccess interrupted =
          new ForwardingClusterAccess(rig.cluster) {
            @Override
            public GrantResult grant(Grant grant) {
              meanwhile.accept(grant);
              return rig.cluster.grant(grant);
            }
          };
      return new AccessService(
          Fixtures.customers(),
          rig.requests,
          rig.enablements,
          rig.audit,
          interrupted,
          rig.notifier,
          rig.directory,
          rig.clock,
          new java.util.Random(3),
          RetryPolicy.DEFAULT);
    }

    @Test
    void aTimerPassDuringTheApproversGrantDoesNotGrantASecondTime() {
      java.util.concurrent.atomic.AtomicReference<AccessService> self =
          new java.util.concurrent.atomic.AtomicReference<>();
      AccessService racing =
          serviceWhoseGrantsAreInterruptedBy(
              grant -> {
                if (rig.cluster.grantCalls() == 0) {
                  self.get()
                      .runDue(); // the timers wake up while the approving thread is still granting
                }
              });
      self.set(racing);
      AccessRequest pending = rig.pending();
      racing.approve(pending.id(), APPROVER, DecisionMethod.BUTTON, Map.of());
      assertThat(rig.cluster.grantCalls()).isEqualTo(1);
      assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.ACTIVE);
    }

    @Test
    void aGrantThatLandsAfterARevokeIsRemovedAgain() {
      java.util.concurrent.atomic.AtomicReference<AccessService> self =
          new java.util.concurrent.atomic.AtomicReference<>();
      AccessService racing =
          serviceWhoseGrantsAreInterruptedBy(grant -> self.get().revoke(grant.id(), ENGINEER));
      self.set(racing);
      AccessRequest pending = rig.pending();
      racing.approve(pending.id(), APPROVER, DecisionMethod.BUTTON, Map.of());
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
              .withRetry(0, Optional.of(rig.clock.instant().plus(AccessService.GRANT_LEASE)));
      rig.requests.put(approved.withVersion(pending.version() + 1));
      service.runDue();
      assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.APPROVED);
      rig.clock.advance(AccessService.GRANT_LEASE);
      service.runDue();
      assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.ACTIVE);
    }

    @Test
    void externalSubjectsComeFromTheVerifiedIdentity() {
      AccessRequest r =
          ((Outcome.Submitted) submit(STAGING, "readonly", "1h", List.of("web"), "x")).request();
      service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, Map.of());
      assertThat(rig.cluster.live(r.id()).orElseThrow().subject())
          .isEqualTo(new Subject.User("support:alice@vendor.example"));
    }
  }

  @Nested
  class Timers {
    @Test
    void accessExpiresAtTheInstantNotBefore() {
      AccessRequest r = rig.active();
      Instant expiry = r.expiresAt().orElseThrow();
      rig.clock.set(expiry.minusNanos(1));
      service.runDue();
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE);
      assertThat(rig.notifier.kinds()).contains("expiring_soon");
      rig.clock.set(expiry);
      service.runDue();
      AccessRequest expired = rig.get(r.id());
      assertThat(expired.state()).isEqualTo(RequestState.EXPIRED);
      assertThat(expired.grantPresent()).isFalse();
      assertThat(rig.cluster.holds(r.id())).isFalse();
      assertThat(rig.audit.count(AuditAction.REQUEST_EXPIRED)).isEqualTo(1);
      service.runDue();
      assertThat(rig.audit.count(AuditAction.REQUEST_EXPIRED)).isEqualTo(1);
    }

    @Test
    void theRequesterIsRemindedOnceFifteenMinutesBefore() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().minus(Duration.ofMinutes(15)));
      service.runDue();
      service.runDue();
      assertThat(rig.notifier.kinds().stream().filter("expiring_soon"::equals)).hasSize(1);
    }

    @Test
    void anUnansweredRequestTimesOutAfterTwoHoursAndGrantsNothing() {
      AccessRequest r = rig.pending();
      rig.clock.advance(Duration.ofHours(2).minusNanos(1));
      service.runDue();
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.PENDING);
      rig.clock.advance(Duration.ofNanos(1));
      service.runDue();
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, Map.of()))
          .isInstanceOf(Outcome.AlreadyDecided.class);
      assertThat(rig.cluster.granted()).isEmpty();
    }

    @Test
    void aFailedRemovalIsRetriedCappedAt30sAndAnnouncedWhenOverdue() {
      AccessRequest r = rig.active();
      rig.cluster.setReachable(false);
      rig.clock.set(r.expiresAt().orElseThrow());
      service.runDue();
      AccessRequest expired = rig.get(r.id());
      assertThat(expired.state()).isEqualTo(RequestState.EXPIRED);
      assertThat(expired.revocationPending()).isTrue();
      for (int i = 0; i < 10; i++) {
        rig.clock.set(rig.get(r.id()).nextAttemptAt().orElseThrow());
        service.runDue();
      }
      AccessRequest late = rig.get(r.id());
      Duration lastWait = Duration.between(rig.clock.instant(), late.nextAttemptAt().orElseThrow());
      assertThat(lastWait).isEqualTo(Duration.ofSeconds(30));
      assertThat(rig.notifier.kinds()).contains("revocation_overdue");
      assertThat(service.overdueRevocations())
          .extracting(AccessRequest::id)
          .containsExactly(r.id());
      assertThat(rig.audit.count(AuditAction.GRANT_REMOVAL_RETRY)).isEqualTo(1);

      rig.cluster.setReachable(true);
      service.retryRemovalsNow(PROD);
      service.runDue();
      assertThat(rig.get(r.id()).grantPresent()).isFalse();
      assertThat(rig.cluster.holds(r.id())).isFalse();
      assertThat(service.overdueRevocations()).isEmpty();
      assertThat(rig.audit.count(AuditAction.REQUEST_EXPIRED)).isEqualTo(1);
    }
  }

  @Nested
  class Revoking {
    @Test
    void requesterOrApproverRevokesOthersDoNot() {
      AccessRequest r = rig.active();
      assertThat(reason(service.revoke(r.id(), OTHER_ENGINEER)))
          .isEqualTo(Refusal.Reason.NOT_ALLOWED);
      assertThat(reason(service.revoke(r.id(), BYSTANDER))).isEqualTo(Refusal.Reason.NOT_ALLOWED);
      Outcome revoked = service.revoke(r.id(), APPROVER);
      assertThat(((Outcome.Revoked) revoked).request().state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.cluster.holds(r.id())).isFalse();
      assertThat(service.revoke(r.id(), ENGINEER)).isInstanceOf(Outcome.AlreadyDecided.class);
    }

    @Test
    void disableNowRevokesEveryGrantOnTheCluster() {
      AccessRequest a = rig.active();
      AccessRequest b = rig.active();
      ClusterOutcome outcome = service.disable(PROD, ADMIN, true);
      assertThat(((ClusterOutcome.Changed) outcome).revoked())
          .extracting(AccessRequest::id)
          .containsExactlyInAnyOrder(a.id(), b.id());
      assertThat(rig.cluster.holds(a.id())).isFalse();
      assertThat(rig.cluster.holds(b.id())).isFalse();
      assertThat(
              reason(service.submit(rig.submission(PROD, "readonly", Optional.empty(), List.of()))))
          .isEqualTo(Refusal.Reason.CLUSTER_DISABLED);
    }
  }

  @Nested
  class Extending {
    @Test
    void anApprovedExtensionMovesTheEnd() {
      AccessRequest r = rig.active();
      Instant end = r.expiresAt().orElseThrow();
      Outcome outcome = service.extend(r.id(), ENGINEER, Duration.ofHours(2));
      AccessRequest extension = ((Outcome.ExtensionRequested) outcome).extension();
      assertThat(extension.kind()).isEqualTo(RequestKind.EXTENSION);
      assertThat(reason(service.extend(r.id(), ENGINEER, Duration.ofHours(1))))
          .isEqualTo(Refusal.Reason.EXTENSION_PENDING);
      assertThat(service.approve(extension.id(), APPROVER, DecisionMethod.BUTTON, Map.of()))
          .isInstanceOf(Outcome.Approved.class);
      assertThat(rig.get(r.id()).expiresAt()).contains(end.plus(Duration.ofHours(2)));
      assertThat(rig.get(extension.id()).isOpen()).isFalse();
      assertThat(rig.get(extension.id()).dueAt()).isEmpty();
      rig.clock.set(end);
      service.runDue();
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE);
    }

    @Test
    void anExtensionBeyondTheRoleMaximumFromNowIsRefusedNotCut() {
      AccessRequest r = rig.active(); // 1 h of readonly, maximum 8 h
      assertThat(reason(service.extend(r.id(), ENGINEER, Duration.ofHours(7).plusMinutes(1))))
          .isEqualTo(Refusal.Reason.DURATION_ABOVE_MAXIMUM);
      assertThat(service.extend(r.id(), ENGINEER, Duration.ofHours(7)))
          .isInstanceOf(Outcome.ExtensionRequested.class);
      assertThat(reason(service.extend(r.id(), OTHER_ENGINEER, Duration.ofHours(1))))
          .isEqualTo(Refusal.Reason.NOT_REQUESTER);
    }
  }

  @Nested
  class Credentials {
    @Test
    void onlyTheRequesterGetsAKubeconfigAndNeverInTheLastTenMinutes() {
      AccessRequest r = rig.active();
      assertThat(service.issueCredential(r.id(), APPROVER))
          .isInstanceOf(CredentialOutcome.Refused.class);
      CredentialOutcome issued = service.issueCredential(r.id(), ENGINEER);
      assertThat(issued).isInstanceOf(CredentialOutcome.Issued.class);
      assertThat(((CredentialOutcome.Issued) issued).kubeconfig().toString())
          .doesNotContain("token for");
      rig.clock.set(r.expiresAt().orElseThrow().minus(Duration.ofMinutes(10)).plusNanos(1));
      CredentialOutcome late = service.issueCredential(r.id(), ENGINEER);
      assertThat(((CredentialOutcome.Refused) late).refusal().reason())
          .isEqualTo(Refusal.Reason.TOO_CLOSE_TO_EXPIRY);
      assertThat(rig.audit.actions(r.id()))
          .contains(AuditAction.CREDENTIAL_ISSUED, AuditAction.CREDENTIAL_REFUSED);
      assertThat(rig.audit.forRequest(r.id()).stream().map(e -> e.event().details().toString()))
          .noneMatch(d -> d.contains("token for"));
    }

    @Test
    void externalModeHasNoKubeconfig() {
      AccessRequest r =
          ((Outcome.Submitted) submit(STAGING, "readonly", "1h", List.of("web"), "x")).request();
      service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, Map.of());
      CredentialOutcome outcome = service.issueCredential(r.id(), ENGINEER);
      assertThat(((CredentialOutcome.Refused) outcome).refusal().reason())
          .isEqualTo(Refusal.Reason.NOT_TOKEN_MODE);
    }
  }

  @Nested
  class Enabling {
    @Test
    void operatorImpliesReadonlyAndNoRolesMeansReadonly() {
      TestRig fresh = new TestRig();
      ClusterOutcome outcome = fresh.service.enable(PROD, ADMIN, Set.of("operator"));
      assertThat(((ClusterOutcome.Changed) outcome).enablement().roles())
          .containsExactlyInAnyOrder("operator", "readonly");
      ClusterOutcome plain = fresh.service.enable(STAGING, APPROVER, Set.of());
      assertThat(((ClusterOutcome.Changed) plain).enablement().roles()).containsExactly("readonly");
    }

    @Test
    void refusesOutsidersMissingRolesAndAReadonlyThatReadsSecrets() {
      TestRig fresh = new TestRig();
      assertThat(fresh.service.enable(PROD, ENGINEER, Set.of()))
          .isInstanceOf(ClusterOutcome.Refused.class);
      fresh.cluster.setRole("latchkey-operator", new ClusterAccess.RoleCheck.Missing());
      ClusterOutcome missing = fresh.service.enable(PROD, ADMIN, Set.of("operator"));
      assertThat(((ClusterOutcome.Refused) missing).refusal().message())
          .contains("deploy/catalogue.yaml");
      fresh.cluster.setRole("latchkey-readonly", new ClusterAccess.RoleCheck.Present(true));
      ClusterOutcome secrets = fresh.service.enable(PROD, ADMIN, Set.of("readonly"));
      assertThat(((ClusterOutcome.Refused) secrets).refusal().reason())
          .isEqualTo(Refusal.Reason.ROLE_GRANTS_SECRETS);
      assertThat(fresh.service.enablement(PROD).enabled()).isFalse();
      assertThat(fresh.audit.count(AuditAction.CLUSTER_CHANGE_REFUSED)).isEqualTo(3);
    }
  }

  @Nested
  class Reconciling {
    @Test
    void removesOrphansAndNoticesGrantsRemovedOutside() {
      AccessRequest kept = rig.active();
      AccessRequest removedByHand = rig.active();
      AccessRequest finished = rig.active();
      service.revoke(finished.id(), ENGINEER);
      RequestId stranger = RequestId.parse("ar-zzzzzzzz").orElseThrow();
      rig.cluster.addByHand(
          new ClusterAccess.Grant(
              stranger,
              PROD,
              "cluster-admin",
              Scope.CLUSTER,
              new Subject.User("support:mallory"),
              rig.clock.instant(),
              List.of(),
              "x"));
      rig.cluster.addByHand(service.desiredGrant(rig.get(finished.id())));
      rig.cluster.deleteByHand(removedByHand.id());
      rig.clock.advance(Duration.ofMinutes(1));

      ReconcileReport report = service.reconcile(PROD);

      assertThat(report.orphansRemoved()).containsExactlyInAnyOrder(stranger, finished.id());
      assertThat(report.revokedOutside()).containsExactly(removedByHand.id());
      assertThat(rig.get(removedByHand.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.get(removedByHand.id()).endedBy()).contains(Actor.CLUSTER);
      assertThat(rig.get(kept.id()).state()).isEqualTo(RequestState.ACTIVE);
      assertThat(rig.cluster.holds(kept.id())).isTrue();
      assertThat(rig.cluster.holds(stranger)).isFalse();
      assertThat(rig.audit.count(AuditAction.RECONCILE_ORPHAN_REMOVED)).isEqualTo(2);
    }

    @Test
    void aJustGrantedRequestIsNotJudgedMissing() {
      AccessRequest fresh = rig.active();
      rig.cluster.deleteByHand(fresh.id());
      assertThat(service.reconcile(PROD).revokedOutside()).isEmpty();
    }

    @Test
    void anUnreachableClusterIsReportedNotGuessed() {
      rig.active();
      rig.cluster.setReachable(false);
      assertThat(service.reconcile(PROD).unavailable()).isPresent();
    }
  }
}
