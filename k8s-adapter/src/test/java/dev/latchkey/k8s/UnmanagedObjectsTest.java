package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.ClusterAccess.BoundRole;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.UnmanagedKind;
import dev.latchkey.core.port.ClusterAccess.UnmanagedListing;
import dev.latchkey.core.port.ClusterAccess.UnmanagedObject;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingListBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link FabricClusterAccess#listUnmanaged} reports, on fabric8's mock API server: the objects
 * the attack of an outside identity leaves in and around {@code latchkey-grants}, and never
 * Latchkey's own.
 */
@EnableKubernetesMockClient(crud = true)
class UnmanagedObjectsTest {
  private static final String GRANTS = GrantObjects.GRANTS_NAMESPACE;
  private static final ClusterRef OTHER_SERVER = new ClusterRef(new CustomerId("beta"), "prod");

  static KubernetesMockServer server;
  static KubernetesClient client;
  private static KubernetesClient adapterClient;
  private FabricClusterAccess access;

  @BeforeAll
  static void connect() {
    adapterClient = ClusterConnections.client(ClusterConnections.tuned(client.getConfiguration()));
  }

  @AfterAll
  static void disconnect() {
    adapterClient.close();
  }

  @BeforeEach
  void setUp() {
    server.reset();
    access =
        new FabricClusterAccess(
            Map.of(
                Grants.CLUSTER,
                new ClusterConnection(
                    adapterClient, "https://k8s.example:6443", Optional.empty())));
  }

  @Test
  void latchkeysOwnGrantsItsInstallationAndKubernetesDefaultsAreNotReported() {
    RequestId token = Grants.newId();
    RequestId user = Grants.newId();
    assertThat(
            access.grant(
                Grants.grant(
                    token, "latchkey-operator", Scope.CLUSTER, Grants.tokenSubject(token))))
        .isEqualTo(new GrantResult.Granted());
    assertThat(
            access.grant(
                Grants.grant(
                    user,
                    "latchkey-readonly",
                    Grants.namespaces("web"),
                    Grants.user("support:a@vendor.example"))))
        .isEqualTo(new GrantResult.Granted());
    create(serviceAccount("default", Map.of()));
    // deploy/rbac.yaml: Latchkey's own rights in the grants' namespace, bound to itself only.
    create(
        new RoleBindingBuilder()
            .withNewMetadata()
            .withName("latchkey")
            .withNamespace(GRANTS)
            .withLabels(Map.of("app.kubernetes.io/part-of", "latchkey"))
            .endMetadata()
            .withNewRoleRef("rbac.authorization.k8s.io", "Role", "latchkey")
            .withSubjects(sa("latchkey", "latchkey"))
            .build());
    // Elsewhere, a binding that does not reach the grants' namespace.
    create(clusterRoleBinding("ops", "cluster-admin", sa("kube-system", "ops")));

    assertThat(access.listUnmanaged(Grants.CLUSTER)).isEqualTo(listed());
  }

  @Test
  void theAttackIsReported_aServiceAccountItsTokenSecretAndItsClusterAdminBinding() {
    create(serviceAccount("backdoor", Map.of()));
    create(clusterRoleBinding("backdoor", "cluster-admin", sa(GRANTS, "backdoor")));
    create(
        new SecretBuilder()
            .withNewMetadata()
            .withName("backdoor-token")
            .withNamespace(GRANTS)
            .withAnnotations(Map.of(UnmanagedObjects.TOKEN_OF, "backdoor"))
            .endMetadata()
            .withType("kubernetes.io/service-account-token")
            .withData(Map.of("token", "c2VjcmV0"))
            .build());

    assertThat(access.listUnmanaged(Grants.CLUSTER))
        .isEqualTo(
            listed(
                new UnmanagedObject(
                    UnmanagedKind.SERVICE_ACCOUNT,
                    Optional.of(GRANTS),
                    "backdoor",
                    Optional.empty(),
                    Optional.empty()),
                new UnmanagedObject(
                    UnmanagedKind.SECRET,
                    Optional.of(GRANTS),
                    "backdoor-token",
                    Optional.empty(),
                    Optional.of("backdoor")),
                new UnmanagedObject(
                    UnmanagedKind.CLUSTER_ROLE_BINDING,
                    Optional.empty(),
                    "backdoor",
                    Optional.of(new BoundRole("ClusterRole", "cluster-admin")),
                    Optional.empty())));
  }

  @Test
  void secretsAreAskedForAsMetadataOnly() throws InterruptedException {
    create(
        new SecretBuilder()
            .withNewMetadata()
            .withName("x")
            .withNamespace(GRANTS)
            .endMetadata()
            .build());
    while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
      // what came before the listing
    }

    access.listUnmanaged(Grants.CLUSTER);

    boolean askedForMetadata = false;
    for (RecordedRequest request = server.takeRequest(1, TimeUnit.MILLISECONDS);
        request != null;
        request = server.takeRequest(1, TimeUnit.MILLISECONDS)) {
      if (request.getPath().startsWith("/api/v1/namespaces/" + GRANTS + "/secrets")) {
        assertThat(request.getHeader("Accept"))
            .startsWith("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
        askedForMetadata = true;
      }
    }
    assertThat(askedForMetadata).isTrue();
  }

  @Test
  void everyWayOfNamingAnIdentityOfTheGrantsNamespaceIsReported() {
    create(
        clusterRoleBinding(
            "as-user",
            "edit",
            new SubjectBuilder()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName("system:serviceaccount:" + GRANTS + ":ar-0000abcd")
                .build()));
    create(
        new RoleBindingBuilder()
            .withNewMetadata()
            .withName("whole-namespace")
            .withNamespace("web")
            .endMetadata()
            .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "admin")
            .withSubjects(
                new SubjectBuilder()
                    .withKind("Group")
                    .withApiGroup("rbac.authorization.k8s.io")
                    .withName("system:serviceaccounts:" + GRANTS)
                    .build())
            .build());
    // In the grants' namespace, a ServiceAccount subject without a namespace is one of its own.
    create(
        new RoleBindingBuilder()
            .withNewMetadata()
            .withName("mint-tokens")
            .withNamespace(GRANTS)
            .endMetadata()
            .withNewRoleRef("rbac.authorization.k8s.io", "Role", "token-minter")
            .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName("x").build())
            .build());

    assertThat(access.listUnmanaged(Grants.CLUSTER))
        .isInstanceOfSatisfying(
            UnmanagedListing.Listed.class,
            l ->
                assertThat(l.objects())
                    .extracting(UnmanagedObject::describe)
                    .containsExactly(
                        "RoleBinding latchkey-grants/mint-tokens (Role token-minter)",
                        "RoleBinding web/whole-namespace (ClusterRole admin)",
                        "ClusterRoleBinding as-user (ClusterRole edit)"));
  }

  @Test
  void latchkeysLabelsWithoutARequestIdOrForAnEntryOfAnotherServerDoNotHideAnObject() {
    RequestId id = Grants.newId();
    create(
        serviceAccount(
            "no-request-id", Map.of(GrantObjects.MANAGED_BY, GrantObjects.MANAGED_BY_VALUE)));
    create(
        serviceAccount(
            "elsewhere",
            Map.of(
                GrantObjects.MANAGED_BY,
                GrantObjects.MANAGED_BY_VALUE,
                GrantObjects.REQUEST_ID,
                id.value(),
                GrantObjects.CUSTOMER,
                OTHER_SERVER.customer().value(),
                GrantObjects.CLUSTER,
                OTHER_SERVER.name())));
    create(
        serviceAccount(
            "this-entry",
            Map.of(
                GrantObjects.MANAGED_BY,
                GrantObjects.MANAGED_BY_VALUE,
                GrantObjects.REQUEST_ID,
                id.value(),
                GrantObjects.CUSTOMER,
                Grants.CLUSTER.customer().value(),
                GrantObjects.CLUSTER,
                Grants.CLUSTER.name())));
    // The other entry is configured, but its connection reads another API server.
    try (KubernetesClient elsewhere =
        ClusterConnections.client(
            new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl("https://other.example:6443")
                .build())) {
      FabricClusterAccess twoEntries =
          new FabricClusterAccess(
              Map.of(
                  Grants.CLUSTER,
                  new ClusterConnection(
                      adapterClient, "https://k8s.example:6443", Optional.empty()),
                  OTHER_SERVER,
                  new ClusterConnection(
                      elsewhere, "https://other.example:6443", Optional.empty())));

      assertThat(twoEntries.listUnmanaged(Grants.CLUSTER))
          .isInstanceOfSatisfying(
              UnmanagedListing.Listed.class,
              l ->
                  assertThat(l.objects())
                      .extracting(UnmanagedObject::name)
                      .containsExactly("elsewhere", "no-request-id"));
    }
  }

  @Test
  void bindingsAreReadPageByPage() {
    String path = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
    server
        .expect()
        .get()
        .withPath(path + "?limit=500")
        .andReturn(
            200,
            new ClusterRoleBindingListBuilder()
                .withMetadata(new ListMetaBuilder().withContinue("page-2").build())
                .withItems(clusterRoleBinding("first", "view", sa(GRANTS, "a")))
                .build())
        .once();
    server
        .expect()
        .get()
        .withPath(path + "?continue=page-2&limit=500")
        .andReturn(
            200,
            new ClusterRoleBindingListBuilder()
                .withItems(clusterRoleBinding("second", "edit", sa(GRANTS, "b")))
                .build())
        .once();

    assertThat(access.listUnmanaged(Grants.CLUSTER))
        .isInstanceOfSatisfying(
            UnmanagedListing.Listed.class,
            l ->
                assertThat(l.objects())
                    .extracting(UnmanagedObject::name)
                    .containsExactly("first", "second"));
  }

  @Test
  void aListingTheApiServerRefusesIsUnavailableWithItsMessage() {
    String refusal =
        "secrets is forbidden: User \"system:serviceaccount:latchkey:latchkey\" cannot list"
            + " resource \"secrets\" in API group \"\" in the namespace \"latchkey-grants\"";
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/" + GRANTS + "/secrets?limit=500")
        .andReturn(
            403,
            new StatusBuilder()
                .withStatus("Failure")
                .withCode(403)
                .withReason("Forbidden")
                .withMessage(refusal)
                .build())
        .once();

    assertThat(access.listUnmanaged(Grants.CLUSTER))
        .isEqualTo(new UnmanagedListing.Unavailable(refusal));
  }

  @Test
  void anUnknownClusterIsUnavailable() {
    assertThat(access.listUnmanaged(new ClusterRef(new CustomerId("acme"), "nowhere")))
        .isInstanceOf(UnmanagedListing.Unavailable.class);
  }

  private static UnmanagedListing listed(UnmanagedObject... objects) {
    return new UnmanagedListing.Listed(List.of(objects));
  }

  private static void create(HasMetadata object) {
    client.resource(object).create();
  }

  private static io.fabric8.kubernetes.api.model.ServiceAccount serviceAccount(
      String name, Map<String, String> labels) {
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(GRANTS)
        .withLabels(labels)
        .endMetadata()
        .build();
  }

  private static ClusterRoleBinding clusterRoleBinding(String name, String role, Subject subject) {
    return new ClusterRoleBindingBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
        .withSubjects(subject)
        .build();
  }

  private static Subject sa(String namespace, String name) {
    return new SubjectBuilder()
        .withKind("ServiceAccount")
        .withNamespace(namespace)
        .withName(name)
        .build();
  }
}
