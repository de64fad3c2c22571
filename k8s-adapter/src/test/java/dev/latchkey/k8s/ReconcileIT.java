package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customer;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Customers;
import dev.latchkey.core.ReconcileReport;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.FakeApproverDirectory;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.InMemoryAuditLog;
import dev.latchkey.core.testing.InMemoryEnablementStore;
import dev.latchkey.core.testing.InMemoryRequestStore;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.core.testing.RecordingNotifier;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reconciliation on a real API server, with the adapter as Latchkey's own identity: an orphan
 * (objects of a request Latchkey has no record of) is removed and audited, access whose binding or
 * ServiceAccount someone deleted becomes REVOKED by the cluster and the rest of it is removed, and
 * what is intact stays.
 */
@ExtendWith(RealClusterExtension.class)
class ReconcileIT {
  private static final Actor.SlackUser ADMIN = Fixtures.ADMIN;

  @Test
  void orphansGoAndGrantsDamagedOutsideLatchkeyEndRevoked(RealCluster cluster) {
    ClusterRef ref = new ClusterRef(new CustomerId("it"), RealCluster.unique("reconcile"));
    MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    InMemoryAuditLog audit = new InMemoryAuditLog();
    InMemoryRequestStore requests = new InMemoryRequestStore(audit);
    try (FabricClusterAccess access =
        new FabricClusterAccess(
            Map.of(
                ref,
                new ClusterConnection(
                    cluster.clientAs(RealCluster.LATCHKEY_NAMESPACE, "latchkey"),
                    cluster.server,
                    Optional.ofNullable(cluster.caData))),
            clock)) {
      UseCases service =
          UseCases.wire(
              new UseCases.Ports(
                  customers(ref),
                  requests,
                  new InMemoryEnablementStore(audit),
                  audit,
                  access,
                  new RecordingNotifier(),
                  new FakeApproverDirectory()),
              clock,
              new Random(11),
              RetryPolicy.DEFAULT);
      assertThat(service.enable().enable(ref, ADMIN, Set.of("readonly")))
          .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
      RequestId intact = active(service, ref);
      RequestId bindingDeleted = active(service, ref);
      RequestId accountDeleted = active(service, ref);
      RequestId orphan = Grants.newId();
      access.grant(
          new Grant(
              orphan,
              ref,
              "latchkey-readonly",
              Scope.CLUSTER,
              Grants.tokenSubject(orphan),
              clock.instant().plus(Duration.ofHours(1)),
              List.of(),
              "left by a run whose records were lost"));
      try {
        cluster
            .admin
            .rbac()
            .clusterRoleBindings()
            .withName(GrantObjects.bindingName(bindingDeleted))
            .delete();
        cluster
            .admin
            .serviceAccounts()
            .inNamespace(GrantObjects.GRANTS_NAMESPACE)
            .withName(accountDeleted.value())
            .delete();
        clock.advance(Duration.ofMinutes(1));

        ReconcileReport report = service.reconcile().reconcile(ref);

        assertThat(report.unavailable()).isEmpty();
        assertThat(report.orphansRemoved()).containsExactly(orphan);
        assertThat(report.revokedOutside())
            .containsExactlyInAnyOrder(bindingDeleted, accountDeleted);
        assertThat(cluster.objectsOf(orphan)).isEmpty();
        for (RequestId id : List.of(bindingDeleted, accountDeleted)) {
          AccessRequest after = requests.find(id).orElseThrow();
          assertThat(after.state()).isEqualTo(RequestState.REVOKED);
          assertThat(after.endedBy()).contains(Actor.CLUSTER);
          assertThat(cluster.objectsOf(id)).as("the rest of %s removed", id).isEmpty();
          assertThat(audit.actions(id))
              .contains(AuditAction.RECONCILE_GRANT_MISSING, AuditAction.GRANT_REMOVED);
        }
        assertThat(requests.find(intact).orElseThrow().state()).isEqualTo(RequestState.ACTIVE);
        assertThat(cluster.objectsOf(intact)).hasSize(2);
        assertThat(audit.count(AuditAction.RECONCILE_ORPHAN_REMOVED)).isEqualTo(1);

        assertThat(service.reconcile().reconcile(ref).orphansRemoved())
            .as("a second pass finds nothing")
            .isEmpty();
      } finally {
        for (RequestId id : List.of(intact, bindingDeleted, accountDeleted, orphan)) {
          cluster.objectsOf(id).forEach(o -> cluster.admin.resource(o).delete());
        }
      }
    }
  }

  private static RequestId active(UseCases service, ClusterRef ref) {
    AccessRequest pending =
        ((SubmitRequest.Result.Submitted)
                service
                    .submit()
                    .submit(
                        new Submission(
                            ref.customer(),
                            ref.name(),
                            "readonly",
                            Optional.of(Duration.ofHours(1)),
                            List.of(),
                            Fixtures.REQUESTER,
                            "INC-5 reconcile drill")))
            .request();
    var approved =
        service
            .decide()
            .decide(Decision.click(pending.id(), Fixtures.APPROVER, Decision.Verdict.APPROVE));
    assertThat(((DecideRequest.Result.Approved) approved).request().state())
        .isEqualTo(RequestState.ACTIVE);
    return pending.id();
  }

  private static Customers customers(ClusterRef ref) {
    ClusterPolicy policy =
        new ClusterPolicy(
            ref,
            Map.of("readonly", RoleDefinition.builtIn("readonly")),
            List.of(),
            ClusterPolicy.DEFAULT_PENDING_TTL,
            CredentialMode.TOKEN,
            ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE);
    return Customers.of(
        List.of(
            new Customer(
                ref.customer(),
                Fixtures.CUSTOMER_TEAM,
                Fixtures.CHANNEL,
                Set.of(Fixtures.APPROVER.userId()),
                Optional.empty(),
                Set.of(ADMIN.userId()),
                Map.of(ref.name(), policy))));
  }
}
