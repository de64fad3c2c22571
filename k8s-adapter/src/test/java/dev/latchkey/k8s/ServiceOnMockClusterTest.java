package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
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
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The core's timers and reconciliation with the real adapter on fabric8's mock API server (CRUD
 * mode) and an injected clock: access ends at its instant and not before, both scopes and both
 * credential modes leave nothing behind, an unanswered request grants nothing, and objects of
 * unknown requests are removed.
 */
@EnableKubernetesMockClient(crud = true)
class ServiceOnMockClusterTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  private final MutableClock clock = MutableClock.at("2026-03-02T09:00:00Z");
  private final InMemoryAuditLog audit = new InMemoryAuditLog();
  private final InMemoryRequestStore requests = new InMemoryRequestStore(audit);
  private FabricClusterAccess access;
  private UseCases service;

  @BeforeEach
  void setUp() {
    for (String role : List.of("latchkey-readonly", "latchkey-operator")) {
      client
          .rbac()
          .clusterRoles()
          .resource(
              new ClusterRoleBuilder()
                  .withNewMetadata()
                  .withName(role)
                  .endMetadata()
                  .addNewRule()
                  .withApiGroups("")
                  .withResources("pods")
                  .withVerbs("get")
                  .endRule()
                  .build())
          .createOr(NonDeletingOperation::update);
    }
    ClusterConnection connection =
        new ClusterConnection(
            ClusterConnections.client(ClusterConnections.tuned(client.getConfiguration())),
            "https://support.vendor.example:6443",
            Optional.of("Q0E="));
    access =
        new FabricClusterAccess(
            Map.of(Fixtures.PROD, connection, Fixtures.STAGING, connection), clock);
    service =
        UseCases.wire(
            new UseCases.Ports(
                Fixtures.customers(),
                requests,
                new InMemoryEnablementStore(audit),
                audit,
                access,
                new RecordingNotifier(),
                new FakeApproverDirectory()),
            clock,
            new Random(5),
            RetryPolicy.DEFAULT);
    service.enable().enable(Fixtures.PROD, Fixtures.ADMIN, Set.of("readonly", "operator"));
    service.enable().enable(Fixtures.STAGING, Fixtures.ADMIN, Set.of("readonly"));
  }

  @AfterEach
  void tearDown() {
    access.close();
    Map<String, String> managed = GrantObjects.managedSelector();
    client.rbac().clusterRoleBindings().withLabels(managed).delete();
    client
        .rbac()
        .roleBindings()
        .inAnyNamespace()
        .withLabels(managed)
        .list()
        .getItems()
        .forEach(o -> client.resource(o).delete());
    client
        .serviceAccounts()
        .inAnyNamespace()
        .withLabels(managed)
        .list()
        .getItems()
        .forEach(o -> client.resource(o).delete());
  }

  @Test
  void accessEndsAtItsInstantInBothScopesAndBothModesAndLeavesNothing() {
    RequestId tokenCluster = active(Fixtures.PROD, List.of());
    RequestId externalNamespaces = active(Fixtures.STAGING, List.of("web", "db"));
    assertThat(objects()).isEqualTo(4); // SA + CRB; two RoleBindings
    AccessRequest r = requests.find(tokenCluster).orElseThrow();

    clock.set(r.expiresAt().orElseThrow().minusMillis(1));
    service.due().runAll();
    assertThat(state(tokenCluster)).isEqualTo(RequestState.ACTIVE);
    assertThat(objects()).isEqualTo(4);

    clock.set(r.expiresAt().orElseThrow());
    service.due().runAll();

    assertThat(state(tokenCluster)).isEqualTo(RequestState.EXPIRED);
    assertThat(state(externalNamespaces)).isEqualTo(RequestState.EXPIRED);
    assertThat(objects()).isZero();
    assertThat(requests.findRevocationsPending()).isEmpty();
  }

  @Test
  void anUnansweredRequestTimesOutAfterTwoHoursAndGrantsNothing() {
    var submitted =
        service
            .submit()
            .submit(
                new Submission(
                    Fixtures.ACME,
                    "prod",
                    "readonly",
                    Optional.of(Duration.ofHours(1)),
                    List.of(),
                    Fixtures.REQUESTER,
                    "INC-3 nobody answers"));
    RequestId id = ((SubmitRequest.Result.Submitted) submitted).request().id();

    clock.advance(Duration.ofHours(2));
    service.due().runAll();

    assertThat(state(id)).isEqualTo(RequestState.TIMED_OUT);
    assertThat(
            service
                .decide()
                .decide(Decision.click(id, Fixtures.APPROVER, Decision.Verdict.APPROVE)))
        .isInstanceOf(DecideRequest.Result.AlreadyDecided.class);
    assertThat(objects()).isZero();
  }

  @Test
  void objectsOfAnUnknownRequestAreRemovedByReconciliation() {
    RequestId kept = active(Fixtures.PROD, List.of());
    RequestId unknown = Grants.newId();
    access.grant(
        new Grant(
            unknown,
            Fixtures.PROD,
            "latchkey-operator",
            Scope.CLUSTER,
            Grants.tokenSubject(unknown),
            clock.instant().plus(Duration.ofHours(1)),
            List.of(),
            "left behind"));
    clock.advance(Duration.ofMinutes(1));

    assertThat(service.reconcile().reconcile(Fixtures.PROD).orphansRemoved())
        .containsExactly(unknown);

    assertThat(
            client.rbac().clusterRoleBindings().withName(GrantObjects.bindingName(unknown)).get())
        .isNull();
    assertThat(
            client
                .serviceAccounts()
                .inNamespace(GrantObjects.GRANTS_NAMESPACE)
                .withName(unknown.value())
                .get())
        .isNull();
    assertThat(client.rbac().clusterRoleBindings().withName(GrantObjects.bindingName(kept)).get())
        .isNotNull();
    assertThat(state(kept)).isEqualTo(RequestState.ACTIVE);
  }

  private RequestId active(ClusterRef cluster, List<String> namespaces) {
    var submitted =
        service
            .submit()
            .submit(
                new Submission(
                    cluster.customer(),
                    cluster.name(),
                    "readonly",
                    Optional.of(Duration.ofHours(1)),
                    namespaces,
                    Fixtures.REQUESTER,
                    "INC-2 pods"));
    RequestId id = ((SubmitRequest.Result.Submitted) submitted).request().id();
    assertThat(
            ((DecideRequest.Result.Approved)
                    service
                        .decide()
                        .decide(Decision.click(id, Fixtures.APPROVER, Decision.Verdict.APPROVE)))
                .request()
                .state())
        .isEqualTo(RequestState.ACTIVE);
    return id;
  }

  private RequestState state(RequestId id) {
    return requests.find(id).orElseThrow().state();
  }

  /** Every object Latchkey manages on the mock cluster. */
  private int objects() {
    Map<String, String> managed = GrantObjects.managedSelector();
    return client.rbac().clusterRoleBindings().withLabels(managed).list().getItems().size()
        + client.rbac().roleBindings().inAnyNamespace().withLabels(managed).list().getItems().size()
        + client.serviceAccounts().inAnyNamespace().withLabels(managed).list().getItems().size();
  }
}
