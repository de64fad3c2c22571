package dev.latchkey.core;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.APPROVER_2;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.OTHER_ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static dev.latchkey.core.testing.Fixtures.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ClusterAccess.ObjectKind;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.ForwardingClusterAccess;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The rules where they are easiest to get wrong: decisions arriving after the two-hour window, a
 * disable racing an approval, configuration changed under a pending or approved request, partial
 * grants, refusals that must leave a record, and what reconciliation must notice.
 */
class AccessServiceEdgesTest {
  private final TestRig rig = new TestRig().enabled();
  private final AccessService service = rig.service;

  private static final Map<String, String> NO_DETAILS = Map.of();

  /**
   * An AccessService on the rig's stores and cluster whose prod policy is changed by {@code
   * change}.
   */
  private AccessService withProd(
      Function<ClusterPolicy, ClusterPolicy> change, Set<String> approverIds) {
    Map<String, ClusterPolicy> clusters = new LinkedHashMap<>();
    clusters.put("prod", change.apply(Fixtures.prod()));
    clusters.put("staging", Fixtures.staging());
    Customer acme =
        new Customer(
            Fixtures.ACME,
            Fixtures.CUSTOMER_TEAM,
            Fixtures.CHANNEL,
            approverIds,
            Optional.of(Fixtures.APPROVER_GROUP),
            Set.of("U0ADMIN"),
            clusters);
    return new AccessService(
        Customers.of(List.of(acme)),
        rig.requests,
        rig.enablements,
        rig.audit,
        rig.cluster,
        rig.notifier,
        rig.directory,
        rig.clock,
        new Random(7),
        RetryPolicy.DEFAULT);
  }

  private static ClusterPolicy withRole(ClusterPolicy policy, RoleDefinition role) {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>(policy.roles());
    roles.put(role.name(), role);
    return new ClusterPolicy(
        policy.cluster(),
        roles,
        policy.allowedNamespaces(),
        policy.pendingTtl(),
        policy.credentials(),
        policy.subjectTemplate());
  }

  private static ClusterPolicy withoutRole(ClusterPolicy policy, String name) {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>(policy.roles());
    roles.remove(name);
    return new ClusterPolicy(
        policy.cluster(),
        roles,
        policy.allowedNamespaces(),
        policy.pendingTtl(),
        policy.credentials(),
        policy.subjectTemplate());
  }

  /**
   * A service whose cluster lets something else happen during each grant, then answers {@code
   * answer}.
   */
  private AccessService interrupted(
      Consumer<ClusterAccess.Grant> meanwhile,
      Function<ClusterAccess.Grant, ClusterAccess.GrantResult> answer) {
    ClusterAccess cluster =
        new ForwardingClusterAccess(rig.cluster) {
          @Override
          public GrantResult grant(Grant grant) {
            meanwhile.accept(grant);
            return answer.apply(grant);
          }
        };
    return new AccessService(
        Fixtures.customers(),
        rig.requests,
        rig.enablements,
        rig.audit,
        cluster,
        rig.notifier,
        rig.directory,
        rig.clock,
        new Random(9),
        RetryPolicy.DEFAULT);
  }

  @Nested
  class LateDecisions {
    @Test
    void anApprovalAfterTheTwoHourWindowGrantsNothingEvenIfTheTimerHasNotRun() {
      AccessRequest r = rig.pending();
      rig.clock.advance(Duration.ofHours(2));

      Outcome outcome = service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);

      assertThat(outcome)
          .isInstanceOfSatisfying(
              Outcome.AlreadyDecided.class,
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

      assertThat(service.deny(denied.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS))
          .isInstanceOf(Outcome.AlreadyDecided.class);
      assertThat(service.cancel(cancelled.id(), ENGINEER))
          .isInstanceOf(Outcome.AlreadyDecided.class);

      assertThat(rig.get(denied.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(rig.get(cancelled.id()).state()).isEqualTo(RequestState.TIMED_OUT);
    }

    @Test
    void aWrittenApprovalMadeInsideTheWindowCountsWhenReadLaterAndItsWindowStartsThen() {
      AccessRequest r = rig.pending(); // 1 h of readonly
      java.time.Instant written = rig.clock.instant().plus(Duration.ofMinutes(115));
      rig.clock.advance(Duration.ofMinutes(130)); // Latchkey was down when it was written

      Outcome outcome =
          service.approve(
              r.id(), APPROVER, DecisionMethod.THREAD_REPLY, NO_DETAILS, Optional.of(written));

      assertThat(outcome).isInstanceOf(Outcome.Approved.class);
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

      service.approve(
          r.id(), APPROVER, DecisionMethod.THREAD_REPLY, NO_DETAILS, Optional.of(written));

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.cluster.granted()).isEmpty();
    }

    @Test
    void aClaimedDecisionTimeOutsideTheRequestsLifeIsIgnored() {
      AccessRequest r = rig.pending();
      rig.clock.advance(Duration.ofHours(3));

      service.approve(
          r.id(),
          APPROVER,
          DecisionMethod.THREAD_REPLY,
          NO_DETAILS,
          Optional.of(r.createdAt().minusSeconds(1)));

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.TIMED_OUT);
    }

    @Test
    void aDecisionJustInsideTheWindowStillCounts() {
      AccessRequest r = rig.pending();
      rig.clock.advance(Duration.ofHours(2).minusMillis(1));

      assertThat(service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS))
          .isInstanceOf(Outcome.Approved.class);
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE);
    }
  }

  @Nested
  class DisableRacingAGrant {
    @Test
    void anApprovedRequestWhoseClusterWasDisabledBeforeTheGrantFailsWithoutGranting() {
      rig.cluster.setReachable(false);
      AccessRequest r = rig.pending();
      service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.APPROVED);
      service.disable(PROD, ADMIN, false);
      rig.cluster.setReachable(true);

      rig.clock.advance(Duration.ofMinutes(1));
      service.runDue();

      AccessRequest after = rig.get(r.id());
      assertThat(after.state()).isEqualTo(RequestState.FAILED);
      assertThat(after.failure()).hasValueSatisfying(f -> assertThat(f).contains("disabled"));
      assertThat(rig.cluster.granted()).isEmpty();
      assertThat(rig.cluster.holds(r.id())).isFalse();
    }

    @Test
    void aDisableNowLandingDuringTheGrantLeavesNothingGranted() {
      AccessRequest r = rig.pending();
      AccessService racing =
          interrupted(grant -> service.disable(PROD, ADMIN, true), rig.cluster::grant);

      Outcome outcome = racing.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);

      assertThat(outcome).isInstanceOf(Outcome.Approved.class);
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.cluster.holds(r.id())).as("the late grant was removed again").isFalse();
    }

    @Test
    void aGrantThatEndsUnavailableAfterAConcurrentRevokeLeavesNothing() {
      AccessRequest r = rig.pending();
      // The revoke lands mid-grant; the grant then creates its objects but its answer is lost
      // (unavailable).
      AccessService racing =
          interrupted(
              grant -> service.revoke(grant.id(), ENGINEER),
              grant -> {
                rig.cluster.grant(grant);
                return new ClusterAccess.GrantResult.Unavailable("timeout");
              });

      racing.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.cluster.holds(r.id())).isFalse();
      assertThat(rig.get(r.id()).grantPresent()).isFalse();
    }
  }

  @Nested
  class ConfigurationChanged {
    @Test
    void anApprovedRequestWhoseRoleWasRemovedFailsInsteadOfRetryingForever() {
      rig.cluster.setReachable(false);
      AccessRequest r = rig.pending("operator");
      service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);
      rig.cluster.setReachable(true);
      AccessService restarted =
          withProd(p -> withoutRole(p, "operator"), Set.of("U0APPROVER1", "U0APPROVER2"));

      rig.clock.advance(Duration.ofMinutes(1));
      assertThat(restarted.runDue().errors()).isEmpty();

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.FAILED);
      assertThat(rig.get(r.id()).failure())
          .hasValueSatisfying(f -> assertThat(f).contains("no longer offered"));
      assertThat(rig.cluster.granted()).isEmpty();
    }

    @Test
    void aNamespaceNoLongerAllowedRefusesTheApproval() {
      AccessRequest r =
          ((Outcome.Submitted)
                  service.submit(
                      rig.submission(
                          PROD,
                          "readonly",
                          Optional.of(Duration.ofHours(1)),
                          List.of("payments", "web"))))
              .request();
      AccessService narrowed =
          withProd(
              p ->
                  new ClusterPolicy(
                      p.cluster(),
                      p.roles(),
                      List.of("web"),
                      p.pendingTtl(),
                      p.credentials(),
                      p.subjectTemplate()),
              Set.of("U0APPROVER1", "U0APPROVER2"));

      Outcome outcome = narrowed.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);

      assertThat(outcome)
          .isInstanceOfSatisfying(
              Outcome.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason())
                      .isEqualTo(Refusal.Reason.NAMESPACE_NOT_ALLOWED));
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.PENDING);
      assertThat(rig.cluster.granted()).isEmpty();
      AccessRequest clusterWide = rig.pending();
      assertThat(narrowed.approve(clusterWide.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS))
          .as("cluster scope stays allowed")
          .isInstanceOf(Outcome.Approved.class);
    }

    @Test
    void aMaximumLoweredSinceSubmissionRefusesTheApprovalRatherThanCutting() {
      Outcome submitted =
          service.submit(
              rig.submission(PROD, "operator", Optional.of(Duration.ofHours(3)), List.of()));
      AccessRequest r = ((Outcome.Submitted) submitted).request();
      AccessService shorter =
          withProd(
              p ->
                  withRole(
                      p,
                      new RoleDefinition(
                          "operator", "latchkey-operator", "op", Duration.ofHours(1), 1)),
              Set.of("U0APPROVER1", "U0APPROVER2"));

      Outcome outcome = shorter.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);

      assertThat(outcome)
          .isInstanceOfSatisfying(
              Outcome.Refused.class,
              x ->
                  assertThat(x.refusal().reason())
                      .isEqualTo(Refusal.Reason.DURATION_ABOVE_MAXIMUM));
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.PENDING);
      assertThat(rig.audit.actions(r.id())).contains(AuditAction.DECISION_REFUSED);
    }

    @Test
    void approvalsRequiredRaisedSinceSubmissionAreRequired() {
      AccessRequest r = rig.pending("operator");
      AccessService stricter =
          withProd(
              p ->
                  withRole(
                      p,
                      new RoleDefinition(
                          "operator", "latchkey-operator", "op", Duration.ofHours(4), 2)),
              Set.of("U0APPROVER1", "U0APPROVER2"));

      Outcome first = stricter.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);

      assertThat(first)
          .isInstanceOfSatisfying(
              Outcome.AwaitingMoreApprovals.class, a -> assertThat(a.required()).isEqualTo(2));
      assertThat(rig.get(r.id()).approvalsRequired()).isEqualTo(2);
      assertThat(stricter.approve(r.id(), APPROVER_2, DecisionMethod.BUTTON, NO_DETAILS))
          .isInstanceOf(Outcome.Approved.class);
    }

    @Test
    void anEarlierApproverSinceRemovedNoLongerCounts() {
      AccessRequest r = rig.pending("admin");
      service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);
      AccessService withoutFirst = withProd(p -> p, Set.of("U0APPROVER2", "U0APPROVER3"));

      Outcome second = withoutFirst.approve(r.id(), APPROVER_2, DecisionMethod.BUTTON, NO_DETAILS);

      assertThat(second).isInstanceOf(Outcome.AwaitingMoreApprovals.class);
      AccessRequest after = rig.get(r.id());
      assertThat(after.state()).isEqualTo(RequestState.PENDING);
      assertThat(after.approvals()).extracting(Approval::approver).containsExactly(APPROVER_2);
      assertThat(rig.cluster.granted()).isEmpty();
    }
  }

  @Nested
  class Credentials {
    @Test
    void noKubeconfigWhenTheTokenCouldOutliveTheGrantByItsOwnHandOut() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().minus(Duration.ofMinutes(10)).minusSeconds(29));

      CredentialOutcome late = service.issueCredential(r.id(), ENGINEER);

      assertThat(late)
          .isInstanceOfSatisfying(
              CredentialOutcome.Refused.class,
              x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.TOO_CLOSE_TO_EXPIRY));
      rig.clock.set(r.expiresAt().orElseThrow().minus(Duration.ofMinutes(10)).minusSeconds(31));
      assertThat(service.issueCredential(r.id(), ENGINEER))
          .isInstanceOf(CredentialOutcome.Issued.class);
    }

    @Test
    void aTokenModeGrantIsLongEnoughToFetchAKubeconfig() {
      Outcome tooShort =
          service.submit(
              rig.submission(PROD, "readonly", Optional.of(Duration.ofMinutes(14)), List.of()));
      assertThat(tooShort)
          .isInstanceOfSatisfying(
              Outcome.Refused.class,
              x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.DURATION_TOO_SHORT));
      assertThat(
              service.submit(
                  rig.submission(PROD, "readonly", Optional.of(Duration.ofMinutes(15)), List.of())))
          .isInstanceOf(Outcome.Submitted.class);
    }
  }

  @Nested
  class RefusalsLeaveARecord {
    @Test
    void reasonsWithControlCharactersOrBrokenUnicodeAreRefused() {
      for (String reason :
          List.of("INC-1\u0000", "INC-1 \u001b[2J", "INC-1 \ud800", "INC-1 \u0085")) {
        Outcome outcome =
            service.submit(
                new Submission(
                    Fixtures.ACME,
                    "prod",
                    "readonly",
                    Optional.of(Duration.ofHours(1)),
                    List.of(),
                    Fixtures.REQUESTER,
                    reason));
        assertThat(outcome)
            .as(reason)
            .isInstanceOfSatisfying(
                Outcome.Refused.class,
                x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.INVALID_REASON));
      }
      assertThat(
              service.submit(
                  new Submission(
                      Fixtures.ACME,
                      "prod",
                      "readonly",
                      Optional.of(Duration.ofHours(1)),
                      List.of(),
                      Fixtures.REQUESTER,
                      "INC-1\n\tpods 🚀")))
          .isInstanceOf(Outcome.Submitted.class);
      assertThat(rig.audit.count(AuditAction.REQUEST_REFUSED)).isEqualTo(4);
    }

    @Test
    void aRefusedSubmissionRecordsWhatWasTypedCleaned() {
      service.submit(
          new Submission(
              Fixtures.ACME,
              "pr\u0000od",
              "root\u001b",
              Optional.empty(),
              List.of(),
              Fixtures.REQUESTER,
              "x"));

      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.REQUEST_REFUSED)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.details())
                    .containsEntry("cluster", "pr\uFFFDod")
                    .containsEntry("role", "root\uFFFD");
                assertThat(e.customer()).contains(Fixtures.ACME);
              });
    }

    @Test
    void aSubmissionFromNoCustomerIsAuditedToo() {
      Outcome outcome =
          service.submit(
              new Submission(
                  new CustomerId("nobody"),
                  "prod",
                  "readonly",
                  Optional.empty(),
                  List.of(),
                  Fixtures.REQUESTER,
                  "x"));

      assertThat(outcome).isInstanceOf(Outcome.Refused.class);
      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.REQUEST_REFUSED)
          .singleElement()
          .satisfies(e -> assertThat(e.customer()).isEmpty());
    }

    @Test
    void revokingAPendingRequestAndRefusedExtensionsAreAudited() {
      AccessRequest pending = rig.pending();
      AccessRequest active = rig.active();

      assertThat(service.revoke(pending.id(), ENGINEER)).isInstanceOf(Outcome.Refused.class);
      assertThat(service.extend(active.id(), OTHER_ENGINEER, Duration.ofMinutes(30)))
          .isInstanceOf(Outcome.Refused.class);
      assertThat(service.extend(active.id(), ENGINEER, Duration.ofHours(30)))
          .isInstanceOf(Outcome.Refused.class);

      assertThat(rig.audit.actions(pending.id())).contains(AuditAction.REVOKE_REFUSED);
      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.EXTENSION_REFUSED)
          .extracting(e -> e.details().get("reason"))
          .containsExactly("NOT_REQUESTER", "DURATION_ABOVE_MAXIMUM");
    }
  }

  @Nested
  class Reconciliation {
    @Test
    void aServiceAccountRemovedOutsideEndsTheAccessAndSaysWhat() {
      AccessRequest r = rig.active();
      rig.cluster.deleteObjectByHand(
          r.id(), ObjectKind.SERVICE_ACCOUNT, Optional.of(Subject.GRANTS_NAMESPACE));
      rig.clock.advance(Duration.ofMinutes(1));

      assertThat(service.reconcile(PROD).revokedOutside()).containsExactly(r.id());

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.get(r.id()).endedBy()).contains(Actor.CLUSTER);
      assertThat(rig.audit.actions(r.id()))
          .containsSubsequence(
              AuditAction.RECONCILE_GRANT_MISSING,
              AuditAction.REQUEST_REVOKED,
              AuditAction.GRANT_REMOVED);
      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.RECONCILE_GRANT_MISSING)
          .singleElement()
          .satisfies(e -> assertThat(e.details()).containsEntry("missing", "ServiceAccount"));
      assertThat(rig.cluster.holds(r.id())).as("the rest of it removed").isFalse();
    }

    @Test
    void oneOfSeveralRoleBindingsRemovedOutsideIsNoticed() {
      Outcome submitted =
          service.submit(
              rig.submission(
                  STAGING, "readonly", Optional.of(Duration.ofHours(1)), List.of("web", "db")));
      AccessRequest r = ((Outcome.Submitted) submitted).request();
      service.approve(r.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);
      rig.cluster.deleteObjectByHand(r.id(), ObjectKind.ROLE_BINDING, Optional.of("db"));
      rig.clock.advance(Duration.ofMinutes(1));

      assertThat(service.reconcile(STAGING).revokedOutside()).containsExactly(r.id());
      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.RECONCILE_GRANT_MISSING)
          .singleElement()
          .satisfies(e -> assertThat(e.details()).containsEntry("missing", "RoleBinding in db"));
    }

    @Test
    void objectsAListingSawBeforeTheirRemovalFinishedAreNoOrphans() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().plusSeconds(1));
      service.settleDue(
          rig.requests.findDue(rig.clock.instant(), 10)); // ended, its removal still to come
      ClusterAccess.Listing before = rig.cluster.listManaged(PROD);
      service.runDue(); // the removal finishes after the listing was taken
      ClusterAccess stale =
          new ForwardingClusterAccess(rig.cluster) {
            @Override
            public Listing listManaged(ClusterRef cluster) {
              return before;
            }
          };
      AccessService reconciling =
          new AccessService(
              Fixtures.customers(),
              rig.requests,
              rig.enablements,
              rig.audit,
              stale,
              rig.notifier,
              rig.directory,
              rig.clock,
              new Random(13),
              RetryPolicy.DEFAULT);

      assertThat(reconciling.reconcile(PROD).orphansRemoved()).isEmpty();
      assertThat(rig.audit.count(AuditAction.RECONCILE_ORPHAN_REMOVED)).isZero();
    }

    @Test
    void activeAccessPastItsEndIsEndedByReconciliationWhenTheTimerIsLate() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().plusSeconds(5));

      service.reconcile(PROD);

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.cluster.holds(r.id())).isFalse();
    }

    @Test
    void objectsOfARequestOfAnotherClusterEntryAreLeftToThatEntry() {
      Outcome submitted =
          service.submit(
              rig.submission(
                  STAGING, "readonly", Optional.of(Duration.ofHours(1)), List.of("web")));
      AccessRequest staging = ((Outcome.Submitted) submitted).request();
      service.approve(staging.id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS);
      // Both entries name the same API server: prod's listing shows staging's objects too.
      ClusterAccess.Grant seenFromProd = service.desiredGrant(rig.get(staging.id()));
      rig.cluster.addByHand(
          new ClusterAccess.Grant(
              staging.id(),
              PROD,
              seenFromProd.clusterRole(),
              seenFromProd.scope(),
              seenFromProd.subject(),
              seenFromProd.expiresAt(),
              List.of(),
              "x"));
      rig.clock.advance(Duration.ofMinutes(1));

      assertThat(service.reconcile(PROD).orphansRemoved()).isEmpty();
      assertThat(rig.cluster.holds(staging.id())).isTrue();
      assertThat(rig.get(staging.id()).state()).isEqualTo(RequestState.ACTIVE);
    }
  }

  @Nested
  class ExtensionsAndSwitchesDecidedLate {
    private AccessRequest extensionOf(AccessRequest r, Duration more) {
      return ((Outcome.ExtensionRequested) service.extend(r.id(), ENGINEER, more)).extension();
    }

    @Test
    void anExtensionApprovalReadBackAfterTheOriginalEndedDoesNotReviveIt() {
      AccessRequest r = rig.active();
      Instant end = r.expiresAt().orElseThrow();
      rig.clock.advance(Duration.ofMinutes(40));
      AccessRequest extension = extensionOf(r, Duration.ofHours(2));
      Instant written = rig.clock.instant().plus(Duration.ofMinutes(10)); // before the end
      rig.clock.set(
          end.plus(Duration.ofMinutes(20))); // read back at start-up, before the timers ran

      Outcome outcome =
          service.approve(
              extension.id(),
              APPROVER,
              DecisionMethod.THREAD_REPLY,
              Map.of(),
              Optional.of(written));

      assertThat(outcome)
          .isInstanceOfSatisfying(
              Outcome.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason()).isEqualTo(Refusal.Reason.NOT_ACTIVE));
      assertThat(rig.get(r.id()).expiresAt()).contains(end);
      assertThat(service.issueCredential(r.id(), ENGINEER))
          .isNotInstanceOf(CredentialOutcome.Issued.class);
    }

    @Test
    void anApprovedExtensionAppliedAfterTheOriginalEndedFails() {
      AccessRequest r = rig.active();
      Instant end = r.expiresAt().orElseThrow();
      AccessRequest extension = extensionOf(r, Duration.ofHours(2));
      // Approved in the records, then the approver's process stopped before applying it.
      AccessRequest approved =
          extension
              .withState(RequestState.APPROVED)
              .withDecision(rig.clock.instant(), APPROVER)
              .withExpiresAt(end.plus(Duration.ofHours(2)))
              .withRetry(0, Optional.of(rig.clock.instant()));
      rig.requests.update(extension, approved, List.of());
      rig.clock.set(end.plusSeconds(1));

      service.handleDue(rig.get(extension.id()), true);

      assertThat(rig.get(extension.id()).state()).isEqualTo(RequestState.FAILED);
      assertThat(rig.get(r.id()).expiresAt()).contains(end);
    }

    @Test
    void aDisableBetweenAnExtensionsApprovalAndItsApplicationIsNotOutrun() {
      AccessRequest r = rig.active();
      Instant end = r.expiresAt().orElseThrow();
      AccessRequest extension = extensionOf(r, Duration.ofHours(2));
      Notifier racing =
          new Notifier() {
            @Override
            public void requestChanged(AccessRequest request, AuditEvent cause) {
              rig.notifier.requestChanged(request, cause);
              if (cause.action() == AuditAction.REQUEST_APPROVED) {
                service.disable(
                    PROD, ADMIN, false); // after the approval's commit, before the end moves
              }
            }

            @Override
            public void expiringSoon(AccessRequest request) {
              rig.notifier.expiringSoon(request);
            }

            @Override
            public void revocationOverdue(AccessRequest request) {
              rig.notifier.revocationOverdue(request);
            }
          };
      AccessService approving =
          new AccessService(
              Fixtures.customers(),
              rig.requests,
              rig.enablements,
              rig.audit,
              rig.cluster,
              racing,
              rig.directory,
              rig.clock,
              new Random(3),
              RetryPolicy.DEFAULT);

      approving.approve(extension.id(), APPROVER, DecisionMethod.BUTTON, Map.of());

      assertThat(rig.get(extension.id()).state()).isEqualTo(RequestState.FAILED);
      assertThat(rig.get(r.id()).expiresAt()).contains(end);
    }

    @Test
    void anExtensionBeyondALoweredMaximumIsRefusedNotCut() {
      AccessRequest r =
          ((Outcome.Approved)
                  service.approve(
                      rig.pending("operator").id(), APPROVER, DecisionMethod.BUTTON, NO_DETAILS))
              .request();
      Instant end = r.expiresAt().orElseThrow();
      AccessRequest extension = extensionOf(r, Duration.ofHours(2));
      AccessService lowered =
          withProd(
              p ->
                  withRole(
                      p,
                      new RoleDefinition(
                          "operator", "latchkey-operator", "operate", Duration.ofMinutes(30), 1)),
              Set.of("U0APPROVER1", "U0APPROVER2", "U0APPROVER3"));

      Outcome outcome = lowered.approve(extension.id(), APPROVER, DecisionMethod.BUTTON, Map.of());

      assertThat(outcome)
          .isInstanceOfSatisfying(
              Outcome.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason())
                      .isEqualTo(Refusal.Reason.DURATION_ABOVE_MAXIMUM));
      assertThat(rig.get(extension.id()).state()).isEqualTo(RequestState.PENDING);
      assertThat(rig.get(r.id()).expiresAt()).contains(end);
    }

    @Test
    void anEnableCheckedWhileADisableNowLandedDoesNotUndoIt() {
      AccessRequest r = rig.active();
      AtomicBoolean once = new AtomicBoolean();
      ClusterAccess slow =
          new ForwardingClusterAccess(rig.cluster) {
            @Override
            public RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
              if (once.compareAndSet(false, true)) {
                service.disable(
                    PROD, APPROVER_2, true); // the emergency stop lands while roles are checked
              }
              return super.checkRole(cluster, clusterRole);
            }
          };
      AccessService enabling =
          new AccessService(
              Fixtures.customers(),
              rig.requests,
              rig.enablements,
              rig.audit,
              slow,
              rig.notifier,
              rig.directory,
              rig.clock,
              new Random(5),
              RetryPolicy.DEFAULT);

      ClusterOutcome outcome = enabling.enable(PROD, ADMIN, Set.of("admin"));

      assertThat(outcome)
          .isInstanceOfSatisfying(
              ClusterOutcome.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason())
                      .isEqualTo(Refusal.Reason.CHANGED_MEANWHILE));
      assertThat(service.enablement(PROD).enabled()).isFalse();
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(enabling.enable(PROD, ADMIN, Set.of("admin")))
          .isInstanceOf(ClusterOutcome.Changed.class);
    }
  }

  @Nested
  class SettlingABatch {
    @Test
    void endsTimesOutAndRemindsWithoutTouchingTheClusterAndSkipsWhatMovedOn() {
      AccessRequest expiring = rig.active();
      AccessRequest revokedMeanwhile = rig.active();
      AccessRequest unanswered = rig.pending();
      rig.clock.set(
          unanswered.pendingExpiresAt().plusSeconds(1)); // past both accesses' hour and its two
      List<AccessRequest> due = rig.requests.findDue(rig.clock.instant(), 100);
      assertThat(due)
          .extracting(AccessRequest::id)
          .contains(expiring.id(), revokedMeanwhile.id(), unanswered.id());
      service.revoke(revokedMeanwhile.id(), ENGINEER); // after the batch was read
      int revokedEvents = rig.audit.actions(revokedMeanwhile.id()).size();

      int changed = service.settleDue(due).handled();

      assertThat(rig.get(expiring.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.get(expiring.id()).revocationPending())
          .as("its removal follows in the cluster step")
          .isTrue();
      assertThat(rig.cluster.holds(expiring.id())).isTrue();
      assertThat(rig.get(unanswered.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(rig.get(revokedMeanwhile.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.audit.actions(revokedMeanwhile.id())).hasSize(revokedEvents);
      assertThat(changed).isEqualTo(2);
      assertThat(rig.notifier.kinds()).contains("request.expired", "request.timed_out");

      service.runDue();
      assertThat(rig.cluster.holds(expiring.id())).isFalse();
      assertThat(rig.get(expiring.id()).revocationPending()).isFalse();
    }

    @Test
    void oneRequestTheStoreRefusesDoesNotKeepTheOthersAccessFromEnding() {
      AccessRequest unwritable = rig.active();
      AccessRequest healthy = rig.active();
      AccessRequest unanswered = rig.pending();
      rig.requests.refuseWrites(unwritable.id());
      rig.clock.set(unanswered.pendingExpiresAt().plusSeconds(1));

      DueReport report = service.settleAllDue();

      assertThat(report.handled()).isEqualTo(2);
      assertThat(report.errors()).singleElement().asString().startsWith(unwritable.id() + ": ");
      assertThat(rig.get(healthy.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.get(unanswered.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(rig.get(unwritable.id()).state()).isEqualTo(RequestState.ACTIVE);

      // The same through a cluster's batch, then its cluster calls: the healthy grant is removed.
      service.settleDue(service.dueOn(PROD));
      service.dueOn(PROD).forEach(r -> service.handleDue(r, true));
      assertThat(rig.cluster.holds(healthy.id())).isFalse();
    }

    @Test
    void manyRequestsTheStoreRefusesAheadOfTheOthersDoNotStopThem() {
      List<AccessRequest> unwritable =
          List.of(rig.active(), rig.active(), rig.active(), rig.active());
      AccessRequest healthy = rig.active();
      unwritable.forEach(r -> rig.requests.refuseWrites(r.id()));
      rig.clock.set(healthy.expiresAt().orElseThrow().plusSeconds(1));

      DueReport report = service.settleDue(service.dueOn(PROD));

      assertThat(report.handled()).isEqualTo(1);
      assertThat(report.errors()).hasSize(4);
      assertThat(rig.get(healthy.id()).state()).isEqualTo(RequestState.EXPIRED);
    }

    @Test
    void aStoreThatDoesNotAnswerIsReportedAsAFailureNotAsAListOfRequests() {
      List<AccessRequest> active = List.of(rig.active(), rig.active(), rig.active(), rig.active());
      rig.clock.set(active.get(0).expiresAt().orElseThrow().plusSeconds(1));
      List<AccessRequest> due = service.dueOn(PROD);
      rig.requests.setDown(true);

      assertThatThrownBy(() -> service.settleDue(due))
          .isInstanceOf(IllegalStateException.class)
          .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
      rig.requests.setDown(false);
      assertThat(active)
          .allSatisfy(r -> assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    }
  }

  @Nested
  class Overdue {
    @Test
    void accessTheTimersHaveNotEndedCountsAsOverdueAfterTheNoticePeriod() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().plusSeconds(59));
      assertThat(service.overdueRevocations()).isEmpty();

      rig.clock.set(r.expiresAt().orElseThrow().plusSeconds(61));

      assertThat(service.overdueRevocations())
          .extracting(AccessRequest::id)
          .containsExactly(r.id());
    }

    @Test
    void clustersOwingARemovalAreProbedBeforeTheRemovalIsOverdue() {
      AccessRequest r = rig.active();
      rig.cluster.setReachable(false);
      service.revoke(r.id(), ENGINEER);
      assertThat(service.overdueRevocations()).isEmpty();

      assertThat(service.clustersOwingRemovals()).containsExactly(PROD);

      rig.cluster.setReachable(true);
      service.retryRemovalsNow(PROD);
      service.runDue();
      assertThat(service.clustersOwingRemovals()).isEmpty();
      assertThat(rig.cluster.holds(r.id())).isFalse();
    }
  }
}
