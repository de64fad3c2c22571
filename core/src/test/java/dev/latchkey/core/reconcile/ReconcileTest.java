package dev.latchkey.core.reconcile;

import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static dev.latchkey.core.testing.Fixtures.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.ReconcileReport;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.ClusterStatus;
import dev.latchkey.core.grant.GrantPlanner;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ClusterAccess.ObjectKind;
import dev.latchkey.core.port.ForwardingClusterAccess;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Reconciliation: what the cluster holds against the records. */
class ReconcileTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Test
  void removesOrphansAndNoticesGrantsRemovedOutside() {
    AccessRequest kept = rig.active();
    AccessRequest removedByHand = rig.active();
    AccessRequest finished = rig.active();
    core.revoke().revoke(finished.id(), ENGINEER);
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
    rig.cluster.addByHand(GrantPlanner.desiredGrant(rig.get(finished.id()), Fixtures.prod()));
    rig.cluster.deleteByHand(removedByHand.id());
    rig.clock.advance(Duration.ofMinutes(1));

    ReconcileReport report = core.reconcile().reconcile(PROD);

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
    assertThat(core.reconcile().reconcile(PROD).revokedOutside()).isEmpty();
  }

  @Test
  void anUnreachableClusterIsReportedNotGuessed() {
    rig.active();
    rig.cluster.setReachable(false);
    assertThat(core.reconcile().reconcile(PROD).unavailable()).isPresent();
  }

  @Nested
  class Reconciliation {
    @Test
    void aServiceAccountRemovedOutsideEndsTheAccessAndSaysWhat() {
      AccessRequest r = rig.active();
      rig.cluster.deleteObjectByHand(
          r.id(), ObjectKind.SERVICE_ACCOUNT, Optional.of(Subject.GRANTS_NAMESPACE));
      rig.clock.advance(Duration.ofMinutes(1));

      assertThat(core.reconcile().reconcile(PROD).revokedOutside()).containsExactly(r.id());

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
      var submitted =
          core.submit()
              .submit(
                  rig.submission(
                      STAGING, "readonly", Optional.of(Duration.ofHours(1)), List.of("web", "db")));
      AccessRequest r = ((SubmitRequest.Result.Submitted) submitted).request();
      core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));
      rig.cluster.deleteObjectByHand(r.id(), ObjectKind.ROLE_BINDING, Optional.of("db"));
      rig.clock.advance(Duration.ofMinutes(1));

      assertThat(core.reconcile().reconcile(STAGING).revokedOutside()).containsExactly(r.id());
      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.RECONCILE_GRANT_MISSING)
          .singleElement()
          .satisfies(e -> assertThat(e.details()).containsEntry("missing", "RoleBinding in db"));
    }

    @Test
    void objectsAListingSawBeforeTheirRemovalFinishedAreNoOrphans() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().plusSeconds(1));
      core.settle()
          .settle(
              rig.requests.findDue(rig.clock.instant(), 10)); // ended, its removal still to come
      ClusterAccess.Listing before = rig.cluster.listManaged(PROD);
      core.due().runAll(); // the removal finishes after the listing was taken
      ClusterAccess stale =
          new ForwardingClusterAccess(rig.cluster) {
            @Override
            public Listing listManaged(ClusterRef cluster) {
              return before;
            }
          };
      UseCases reconciling = rig.wire(Fixtures.customers(), stale, new Random(13));

      assertThat(reconciling.reconcile().reconcile(PROD).orphansRemoved()).isEmpty();
      assertThat(rig.audit.count(AuditAction.RECONCILE_ORPHAN_REMOVED)).isZero();
    }

    @Test
    void activeAccessPastItsEndIsEndedByReconciliationWhenTheTimerIsLate() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().plusSeconds(5));

      core.reconcile().reconcile(PROD);

      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.cluster.holds(r.id())).isFalse();
    }

    @Test
    void objectsOfARequestOfAnotherClusterEntryAreLeftToThatEntry() {
      var submitted =
          core.submit()
              .submit(
                  rig.submission(
                      STAGING, "readonly", Optional.of(Duration.ofHours(1)), List.of("web")));
      AccessRequest staging = ((SubmitRequest.Result.Submitted) submitted).request();
      core.decide().decide(Decision.click(staging.id(), APPROVER, Decision.Verdict.APPROVE));
      // Both entries name the same API server: prod's listing shows staging's objects too.
      ClusterAccess.Grant seenFromProd =
          GrantPlanner.desiredGrant(rig.get(staging.id()), Fixtures.prod());
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

      assertThat(core.reconcile().reconcile(PROD).orphansRemoved()).isEmpty();
      assertThat(rig.cluster.holds(staging.id())).isTrue();
      assertThat(rig.get(staging.id()).state()).isEqualTo(RequestState.ACTIVE);
    }
  }

  @Nested
  class WhatLatchkeyDidNotMake {
    private final ClusterAccess.UnmanagedObject planted =
        new ClusterAccess.UnmanagedObject(
            ClusterAccess.UnmanagedKind.CLUSTER_ROLE_BINDING,
            Optional.empty(),
            "backdoor",
            Optional.of(new ClusterAccess.BoundRole("ClusterRole", "cluster-admin")),
            Optional.empty());

    @Test
    void isReportedOnceWhenItAppearsShownWhileThereAndReportedWhenGone() {
      rig.cluster.addUnmanaged(planted);

      ReconcileReport first = core.reconcile().reconcile(PROD);
      core.reconcile().reconcile(PROD);

      assertThat(first.unmanaged()).containsExactly(planted);
      assertThat(rig.audit.count(AuditAction.RECONCILE_UNMANAGED_FOUND)).isEqualTo(1);
      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.RECONCILE_UNMANAGED_FOUND)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.details())
                    .containsEntry("kind", "ClusterRoleBinding")
                    .containsEntry("name", "backdoor")
                    .containsEntry("role", "ClusterRole cluster-admin");
                assertThat(e.result()).isEqualTo(AuditResult.FAILED);
              });
      assertThat(core.foreign().total()).isEqualTo(1);
      var status = core.status().status(Fixtures.acme(), Optional.of("prod"));
      assertThat(((ClusterStatus.Result.Clusters) status).clusters().getFirst().unmanaged())
          .containsExactly(planted);

      rig.cluster.removeUnmanaged(planted);
      core.reconcile().reconcile(PROD);

      assertThat(rig.audit.count(AuditAction.RECONCILE_UNMANAGED_GONE)).isEqualTo(1);
      assertThat(core.foreign().total()).isZero();
    }

    @Test
    void aClusterThatCannotBeListedKeepsWhatWasLastSeen() {
      rig.cluster.addUnmanaged(planted);
      core.reconcile().reconcile(PROD);
      rig.cluster.setReachable(false);

      ReconcileReport report = core.reconcile().reconcile(PROD);

      assertThat(report.unavailable()).isPresent();
      assertThat(report.unmanaged()).containsExactly(planted);
      assertThat(rig.audit.count(AuditAction.RECONCILE_UNMANAGED_GONE)).isZero();
    }
  }
}
