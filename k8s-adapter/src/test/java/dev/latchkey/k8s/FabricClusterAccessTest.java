package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.ClusterAccess.CredentialResult;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.Listing;
import dev.latchkey.core.port.ClusterAccess.ManagedGrant;
import dev.latchkey.core.port.ClusterAccess.ManagedObject;
import dev.latchkey.core.port.ClusterAccess.ObjectKind;
import dev.latchkey.core.port.ClusterAccess.PodReach;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import dev.latchkey.core.port.ClusterAccess.RoleCheck;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter against fabric8's mock API server in CRUD mode, with single stubbed answers where
 * needed.
 */
@EnableKubernetesMockClient(crud = true)
class FabricClusterAccessTest {
  private static final String SUPPORT_SERVER = "https://support-proxy.vendor.example:6443";
  private static final String CA =
      "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";

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
                new ClusterConnection(adapterClient, SUPPORT_SERVER, Optional.of(CA))),
            Clock.fixed(NOW, ZoneOffset.UTC));
  }

  // ---------------------------------------------------------------- grant: both scopes, both modes

  @Test
  void tokenModeClusterScopeCreatesServiceAccountThenClusterRoleBinding() {
    RequestId id = Grants.newId();

    assertThat(access.grant(Grants.token(id, "latchkey-readonly", Scope.CLUSTER)))
        .isEqualTo(new GrantResult.Granted());

    ServiceAccount sa =
        client.serviceAccounts().inNamespace("latchkey-grants").withName(id.value()).get();
    assertThat(sa).isNotNull();
    assertThat(sa.getAutomountServiceAccountToken()).isFalse();
    assertLabelledAndAnnotated(sa.getMetadata().getLabels(), sa.getMetadata().getAnnotations(), id);
    ClusterRoleBinding crb = client.rbac().clusterRoleBindings().withName("latchkey-" + id).get();
    assertThat(crb.getRoleRef().getName()).isEqualTo("latchkey-readonly");
    assertThat(crb.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getNamespace()).isEqualTo("latchkey-grants");
              assertThat(s.getName()).isEqualTo(id.value());
            });
    assertLabelledAndAnnotated(
        crb.getMetadata().getLabels(), crb.getMetadata().getAnnotations(), id);
    assertThat(client.rbac().roleBindings().inAnyNamespace().list().getItems()).isEmpty();
  }

  @Test
  void externalModeClusterScopeBindsTheUserAndCreatesNoServiceAccount() {
    RequestId id = Grants.newId();

    assertThat(
            access.grant(
                Grants.external(
                    id, "latchkey-operator", Scope.CLUSTER, "support:bob@vendor.example")))
        .isEqualTo(new GrantResult.Granted());

    ClusterRoleBinding crb = client.rbac().clusterRoleBindings().withName("latchkey-" + id).get();
    assertThat(crb.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("User");
              assertThat(s.getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
              assertThat(s.getName()).isEqualTo("support:bob@vendor.example");
            });
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").list().getItems()).isEmpty();
  }

  @Test
  void namespaceScopeCreatesOneRoleBindingPerNamespaceInBothModes() {
    RequestId token = Grants.newId();
    RequestId external = Grants.newId();

    assertThat(
            access.grant(Grants.token(token, "latchkey-operator", Grants.namespaces("web", "api"))))
        .isEqualTo(new GrantResult.Granted());
    assertThat(
            access.grant(
                Grants.external(
                    external, "latchkey-readonly", Grants.namespaces("web"), "support:c")))
        .isEqualTo(new GrantResult.Granted());

    List<RoleBinding> tokenBindings = roleBindingsOf(token);
    assertThat(tokenBindings)
        .extracting(rb -> rb.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("api", "web");
    assertThat(tokenBindings)
        .allSatisfy(
            rb -> {
              assertThat(rb.getMetadata().getName()).isEqualTo("latchkey-" + token);
              assertThat(rb.getRoleRef().getKind()).isEqualTo("ClusterRole");
              assertThat(rb.getRoleRef().getName()).isEqualTo("latchkey-operator");
              assertThat(rb.getSubjects())
                  .singleElement()
                  .extracting(s -> s.getKind())
                  .isEqualTo("ServiceAccount");
              assertLabelledAndAnnotated(
                  rb.getMetadata().getLabels(), rb.getMetadata().getAnnotations(), token);
            });
    assertThat(roleBindingsOf(external))
        .singleElement()
        .satisfies(
            rb -> {
              assertThat(rb.getMetadata().getNamespace()).isEqualTo("web");
              assertThat(rb.getSubjects())
                  .singleElement()
                  .extracting(s -> s.getName())
                  .isEqualTo("support:c");
            });
    assertThat(client.rbac().clusterRoleBindings().list().getItems()).isEmpty();
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").list().getItems())
        .extracting(sa -> sa.getMetadata().getName())
        .containsExactly(token.value());
  }

  @Test
  void grantingAgainIsSuccessAndChangesNothing() {
    RequestId id = Grants.newId();
    var grant = Grants.token(id, "latchkey-readonly", Grants.namespaces("a", "b"));

    assertThat(access.grant(grant)).isEqualTo(new GrantResult.Granted());
    assertThat(access.grant(grant)).isEqualTo(new GrantResult.Granted());

    assertThat(roleBindingsOf(id)).hasSize(2);
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").list().getItems())
        .hasSize(1);
  }

  @Test
  void anObjectOfTheSameNameThatIsNotOursIsRefusedAndLeftAlone() {
    RequestId id = Grants.newId();
    client
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("latchkey-" + id)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject()
                .withKind("User")
                .withName("mallory")
                .withApiGroup("rbac.authorization.k8s.io")
                .endSubject()
                .build())
        .create();

    GrantResult result = access.grant(Grants.token(id, "latchkey-readonly", Scope.CLUSTER));

    assertThat(result)
        .isInstanceOfSatisfying(
            GrantResult.Refused.class,
            r ->
                assertThat(r.message())
                    .isEqualTo(
                        "ClusterRoleBinding latchkey-"
                            + id
                            + " already exists and is not Latchkey's object for "
                            + id));
    assertThat(client.rbac().clusterRoleBindings().withName("latchkey-" + id).get()).isNotNull();
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").list().getItems()).isEmpty();
  }

  // ---------------------------------------------------------------- refusals leave nothing behind

  @Test
  void aRefusalOnTheSecondRoleBindingRemovesEverythingTheGrantCreated() {
    RequestId id = Grants.newId();
    String refusal =
        "rolebindings.rbac.authorization.k8s.io \"latchkey-"
            + id
            + "\" is forbidden: user \"system:serviceaccount:latchkey:latchkey\" is attempting to"
            + " grant RBAC permissions not currently held";
    server
        .expect()
        .post()
        .withPath(RBAC + "/namespaces/web/rolebindings")
        .andReturn(403, status(403, refusal))
        .once();

    GrantResult result =
        access.grant(Grants.token(id, "custom-role", Grants.namespaces("api", "web")));

    assertThat(result).isEqualTo(new GrantResult.Refused(refusal));
    assertThat(roleBindingsOf(id)).isEmpty();
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").list().getItems()).isEmpty();
    assertThat(access.listManaged(Grants.CLUSTER)).isEqualTo(new Listing.Listed(List.of()));
  }

  @Test
  void aRefusalWhoseCleanUpCannotFinishIsRetriedNotReportedAsLeavingNothing() {
    RequestId id = Grants.newId();
    String refusal = "rolebindings.rbac.authorization.k8s.io \"latchkey-" + id + "\" is forbidden";
    server
        .expect()
        .post()
        .withPath(RBAC + "/namespaces/web/rolebindings")
        .andReturn(403, status(403, refusal))
        .once();
    server
        .expect()
        .delete()
        .withPath(RBAC + "/namespaces/api/rolebindings/latchkey-" + id)
        .andReturn(503, status(503, "etcd is unavailable"))
        .once();

    GrantResult result =
        access.grant(Grants.token(id, "custom-role", Grants.namespaces("api", "web")));

    assertThat(result)
        .isInstanceOfSatisfying(
            GrantResult.Unavailable.class,
            u -> assertThat(u.message()).startsWith(refusal).contains("could not be removed yet"));
    assertThat(roleBindingsOf(id)).hasSize(1);
  }

  @Test
  void aMissingNamespaceIsRefusedWithTheServersMessage() {
    RequestId id = Grants.newId();
    server
        .expect()
        .post()
        .withPath(RBAC + "/namespaces/gone/rolebindings")
        .andReturn(404, status(404, "namespaces \"gone\" not found"))
        .once();

    GrantResult result =
        access.grant(
            Grants.external(id, "latchkey-readonly", Grants.namespaces("ok", "gone"), "u"));

    assertThat(result).isEqualTo(new GrantResult.Refused("namespaces \"gone\" not found"));
    assertThat(roleBindingsOf(id)).isEmpty();
  }

  @Test
  void anInvalidObjectIsRefused() {
    RequestId id = Grants.newId();
    server
        .expect()
        .post()
        .withPath(RBAC + "/clusterrolebindings")
        .andReturn(
            422, status(422, "ClusterRoleBinding.rbac.authorization.k8s.io \"x\" is invalid"))
        .once();

    assertThat(access.grant(Grants.token(id, "latchkey-readonly", Scope.CLUSTER)))
        .isInstanceOf(GrantResult.Refused.class);
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").list().getItems()).isEmpty();
  }

  @Test
  void aServerErrorIsUnavailableWithoutClientRetriesAndTheSameGrantCompletesLater() {
    RequestId id = Grants.newId();
    server
        .expect()
        .post()
        .withPath(RBAC + "/namespaces/web/rolebindings")
        .andReturn(503, status(503, "etcdserver: request timed out"))
        .once();
    var grant = Grants.token(id, "latchkey-readonly", Grants.namespaces("api", "web"));

    // Had the client retried by itself, the second POST would have reached the CRUD store and
    // succeeded.
    assertThat(access.grant(grant))
        .isEqualTo(new GrantResult.Unavailable("etcdserver: request timed out"));
    assertThat(roleBindingsOf(id)).hasSize(1);

    assertThat(access.grant(grant)).isEqualTo(new GrantResult.Granted());
    assertThat(roleBindingsOf(id)).hasSize(2);
  }

  // ---------------------------------------------------------------- revoke

  @Test
  void revokeDeletesBindingsAndServiceAccountAndIsIdempotent() {
    RequestId id = Grants.newId();
    RequestId other = Grants.newId();
    Grant grant = Grants.token(id, "latchkey-operator", Grants.namespaces("api", "web"));
    access.grant(grant);
    access.grant(Grants.token(other, "latchkey-readonly", Scope.CLUSTER));

    assertThat(access.revoke(Footprint.of(grant))).isEqualTo(new RemovalResult.Removed(3));
    assertThat(access.revoke(Footprint.of(grant)))
        .as("already gone")
        .isEqualTo(new RemovalResult.Removed(0));

    assertThat(roleBindingsOf(id)).isEmpty();
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").withName(id.value()).get())
        .isNull();
    assertThat(access.listManaged(Grants.CLUSTER))
        .isInstanceOfSatisfying(
            Listing.Listed.class,
            l -> assertThat(l.grants()).extracting(ManagedGrant::id).containsExactly(other));
  }

  @Test
  void revokingWhatWasNeverGrantedIsSuccess() {
    assertThat(
            access.revoke(
                Footprint.of(Grants.token(Grants.newId(), "latchkey-readonly", Scope.CLUSTER))))
        .isEqualTo(new RemovalResult.Removed(0));
  }

  @Test
  void revokeAddressesObjectsByNameWithoutListing() {
    RequestId id = Grants.newId();
    Grant grant = Grants.token(id, "latchkey-readonly", Scope.CLUSTER);
    access.grant(grant);
    // Listing would fail: a revocation that needed it could not finish.
    server
        .expect()
        .get()
        .withPath(
            RBAC
                + "/clusterrolebindings?labelSelector="
                + "app.kubernetes.io%2Fmanaged-by%3Dlatchkey%2Clatchkey.dev%2Frequest-id%3D"
                + id)
        .andReturn(500, status(500, "listing is not how a grant is revoked"))
        .always();

    assertThat(access.revoke(Footprint.of(grant))).isEqualTo(new RemovalResult.Removed(2));

    assertThat(client.rbac().clusterRoleBindings().withName("latchkey-" + id).get()).isNull();
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").withName(id.value()).get())
        .isNull();
  }

  @Test
  void removeListedDeletesWhatTheListingFoundWhateverItsName() {
    RequestId id = Grants.newId();
    access.grant(Grants.external(id, "latchkey-readonly", Scope.CLUSTER, "u"));
    // Objects labelled as this request's by hand, under names Latchkey never uses.
    client
        .rbac()
        .roleBindings()
        .inNamespace("x")
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("hand-made")
                .withNamespace("x")
                .addToLabels("app.kubernetes.io/managed-by", "latchkey")
                .addToLabels("latchkey.dev/request-id", id.value())
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
                .build())
        .create();
    client
        .serviceAccounts()
        .inNamespace("latchkey-grants")
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("also-hand-made")
                .withNamespace("latchkey-grants")
                .addToLabels("app.kubernetes.io/managed-by", "latchkey")
                .addToLabels("latchkey.dev/request-id", id.value())
                .endMetadata()
                .build())
        .create();
    ManagedGrant found = ((Listing.Listed) access.listManaged(Grants.CLUSTER)).grants().getFirst();
    assertThat(found.objects()).hasSize(3);

    assertThat(access.removeListed(Grants.CLUSTER, found)).isEqualTo(new RemovalResult.Removed(3));

    assertThat(client.rbac().clusterRoleBindings().list().getItems()).isEmpty();
    assertThat(client.rbac().roleBindings().inAnyNamespace().list().getItems()).isEmpty();
    assertThat(client.serviceAccounts().inNamespace("latchkey-grants").list().getItems()).isEmpty();
    assertThat(((Listing.Listed) access.listManaged(Grants.CLUSTER)).grants()).isEmpty();
  }

  @Test
  void aFailedDeletionIsUnavailable() {
    RequestId id = Grants.newId();
    Grant grant = Grants.external(id, "latchkey-readonly", Scope.CLUSTER, "u");
    access.grant(grant);
    server
        .expect()
        .delete()
        .withPath(RBAC + "/clusterrolebindings/latchkey-" + id)
        .andReturn(500, status(500, "Internal error occurred: etcd"))
        .once();

    assertThat(access.revoke(Footprint.of(grant)))
        .isEqualTo(new RemovalResult.Unavailable("Internal error occurred: etcd"));
    assertThat(access.revoke(Footprint.of(grant))).isEqualTo(new RemovalResult.Removed(1));
  }

  // ---------------------------------------------------------------- listManaged

  @Test
  void listManagedGroupsObjectsPerRequest() {
    RequestId a = Grants.newId();
    RequestId b = Grants.newId();
    Instant laterExpiry = Grants.EXPIRES.plus(Duration.ofHours(1));
    access.grant(Grants.token(a, "latchkey-readonly", Grants.namespaces("api", "web")));
    access.grant(
        Grants.grant(
            Grants.CLUSTER, b, "latchkey-operator", Scope.CLUSTER, Grants.user("u"), laterExpiry));
    // Neither of these is a grant: not ours, and ours but without a readable request id.
    client
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("someone-elses")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
                .build())
        .create();
    client
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("broken")
                .addToLabels("app.kubernetes.io/managed-by", "latchkey")
                .addToLabels("latchkey.dev/request-id", "not-an-id")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
                .build())
        .create();

    Listing listing = access.listManaged(Grants.CLUSTER);

    assertThat(listing)
        .isInstanceOfSatisfying(
            Listing.Listed.class,
            l ->
                assertThat(l.grants())
                    .containsExactlyInAnyOrder(
                        new ManagedGrant(
                            a,
                            List.of(
                                new ManagedObject(
                                    ObjectKind.ROLE_BINDING, Optional.of("api"), "latchkey-" + a),
                                new ManagedObject(
                                    ObjectKind.ROLE_BINDING, Optional.of("web"), "latchkey-" + a),
                                new ManagedObject(
                                    ObjectKind.SERVICE_ACCOUNT,
                                    Optional.of("latchkey-grants"),
                                    a.value())),
                            Optional.of(Grants.EXPIRES)),
                        new ManagedGrant(
                            b,
                            List.of(
                                new ManagedObject(
                                    ObjectKind.CLUSTER_ROLE_BINDING,
                                    Optional.empty(),
                                    "latchkey-" + b)),
                            Optional.of(laterExpiry))));
  }

  @Test
  void objectsOfAnotherEntryForTheSameApiServerAreNotListed() {
    ClusterRef other = new ClusterRef(new CustomerId("globex"), "prod-eu");
    var both =
        new FabricClusterAccess(
            Map.of(
                Grants.CLUSTER,
                new ClusterConnection(adapterClient, SUPPORT_SERVER, Optional.of(CA)),
                other,
                new ClusterConnection(adapterClient, SUPPORT_SERVER, Optional.of(CA))),
            Clock.fixed(NOW, ZoneOffset.UTC));
    RequestId ours = Grants.newId();
    RequestId theirs = Grants.newId();
    both.grant(Grants.token(ours, "latchkey-readonly", Scope.CLUSTER));
    both.grant(
        Grants.grant(
            other,
            theirs,
            "latchkey-readonly",
            Scope.CLUSTER,
            Grants.tokenSubject(theirs),
            Grants.EXPIRES));

    assertThat(both.listManaged(Grants.CLUSTER))
        .isInstanceOfSatisfying(
            Listing.Listed.class,
            l -> assertThat(l.grants()).extracting(ManagedGrant::id).containsExactly(ours));
    assertThat(both.listManaged(other))
        .isInstanceOfSatisfying(
            Listing.Listed.class,
            l -> assertThat(l.grants()).extracting(ManagedGrant::id).containsExactly(theirs));
  }

  @Test
  void aServiceAccountWithoutBindingIsListedAsSuch() {
    RequestId id = Grants.newId();
    access.grant(Grants.token(id, "latchkey-readonly", Scope.CLUSTER));
    client.rbac().clusterRoleBindings().withName("latchkey-" + id).delete();

    assertThat(access.listManaged(Grants.CLUSTER))
        .isInstanceOfSatisfying(
            Listing.Listed.class,
            l ->
                assertThat(l.grants())
                    .singleElement()
                    .satisfies(
                        g -> {
                          assertThat(g.kinds()).containsExactly(ObjectKind.SERVICE_ACCOUNT);
                          assertThat(g.hasBinding()).isFalse();
                        }));
  }

  // ---------------------------------------------------------------- checkRole

  @Test
  void checkRoleReportsMissingAndWhetherSecretsAreReadable() {
    client
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName("reads")
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("pods", "secrets")
                .withVerbs("list")
                .endRule()
                .build())
        .create();
    client
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName("safe")
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("pods")
                .withVerbs("*")
                .endRule()
                .build())
        .create();

    assertThat(access.checkRole(Grants.CLUSTER, "absent")).isEqualTo(new RoleCheck.Missing());
    assertThat(access.checkRole(Grants.CLUSTER, "reads"))
        .isEqualTo(new RoleCheck.Present(true, java.util.EnumSet.of(PodReach.READ_SECRETS)));
    assertThat(access.checkRole(Grants.CLUSTER, "safe"))
        .isEqualTo(
            new RoleCheck.Present(
                false, java.util.EnumSet.of(PodReach.DELETE_PODS, PodReach.CHANGE_WORKLOADS)));
  }

  // ---------------------------------------------------------------- credentials

  @Test
  void issuedKubeconfigPointsAtTheSupportServerWithTheCaAndAFreshToken() {
    RequestId id = Grants.newId();
    AtomicLong askedSeconds =
        stubTokenRequest(id, "eyJhbGciOiJSUzI1NiJ9.payload.signature", "2030-01-01T02:00:00Z");

    CredentialResult result =
        access.issueCredential(Grants.CLUSTER, id, NOW.plus(Duration.ofHours(2)));

    assertThat(askedSeconds).hasValue(7200 - FabricClusterAccess.TOKEN_END_MARGIN.toSeconds());
    assertThat(result)
        .isInstanceOfSatisfying(
            CredentialResult.Issued.class,
            issued -> {
              assertThat(issued.kubeconfig().tokenExpiresAt())
                  .isEqualTo(Instant.parse("2030-01-01T02:00:00Z"));
              assertThat(issued.kubeconfig().toString()).doesNotContain("eyJ").contains("redacted");
              Config parsed = Config.fromKubeconfig(issued.kubeconfig().text());
              assertThat(parsed.getMasterUrl()).isEqualTo(SUPPORT_SERVER + "/");
              assertThat(parsed.getCaCertData()).isEqualTo(CA);
              assertThat(parsed.getAutoOAuthToken())
                  .isEqualTo("eyJhbGciOiJSUzI1NiJ9.payload.signature");
              assertThat(parsed.getCurrentContext().getName()).isEqualTo(id + "@prod-eu");
              assertThat(parsed.getCurrentContext().getContext().getCluster()).isEqualTo("prod-eu");
              assertThat(parsed.isTrustCerts()).isFalse();
            });
  }

  @Test
  void aTokenLastsAtLeastKubernetesMinimum() {
    RequestId id = Grants.newId();
    AtomicLong askedSeconds = stubTokenRequest(id, "t", "2030-01-01T00:10:00Z");

    access.issueCredential(Grants.CLUSTER, id, NOW.plus(Duration.ofMinutes(3)));

    assertThat(askedSeconds).hasValue(600);
  }

  @Test
  void noCaMeansTheSystemTrustStore() {
    RequestId id = Grants.newId();
    stubTokenRequest(id, "t", "2030-01-01T00:10:00Z");
    KubernetesClient ownClient =
        ClusterConnections.client(ClusterConnections.tuned(client.getConfiguration()));
    try (var publicCa =
        new FabricClusterAccess(
            Map.of(
                Grants.CLUSTER,
                new ClusterConnection(ownClient, SUPPORT_SERVER + "/", Optional.empty())))) {
      CredentialResult result =
          publicCa.issueCredential(Grants.CLUSTER, id, Instant.now().plusSeconds(3600));

      String text = ((CredentialResult.Issued) result).kubeconfig().text();
      assertThat(text).doesNotContain("certificate-authority");
      assertThat(Config.fromKubeconfig(text).getMasterUrl()).isEqualTo(SUPPORT_SERVER + "/");
    }
  }

  @Test
  void noServiceAccountMeansNoToken() {
    RequestId id = Grants.newId();
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/latchkey-grants/serviceaccounts/" + id + "/token")
        .andReturn(404, status(404, "serviceaccounts \"" + id + "\" not found"))
        .once();

    assertThat(access.issueCredential(Grants.CLUSTER, id, NOW.plusSeconds(3600)))
        .isEqualTo(new CredentialResult.Unavailable("serviceaccounts \"" + id + "\" not found"));
  }

  // ---------------------------------------------------------------- unreachable and unknown
  // clusters

  @Test
  void anUnreachableClusterIsUnavailableEverywhereAndQuickly() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("https://127.0.0.1:" + closedPort)
            .withOauthToken("x")
            .build();
    RequestId id = Grants.newId();
    long started = System.nanoTime();
    try (var down =
        new FabricClusterAccess(
            Map.of(Grants.CLUSTER, ClusterConnections.of(config, Optional.empty())))) {
      assertThat(down.grant(Grants.token(id, "latchkey-readonly", Scope.CLUSTER)))
          .isEqualTo(
              new GrantResult.Unavailable(
                  "the API server could not be reached: connection refused"));
      assertThat(down.revoke(Footprint.of(Grants.token(id, "latchkey-readonly", Scope.CLUSTER))))
          .isInstanceOf(RemovalResult.Unavailable.class);
      assertThat(down.listManaged(Grants.CLUSTER)).isInstanceOf(Listing.Unavailable.class);
      assertThat(down.checkRole(Grants.CLUSTER, "latchkey-readonly"))
          .isInstanceOf(RoleCheck.Unavailable.class);
      assertThat(down.issueCredential(Grants.CLUSTER, id, NOW))
          .isInstanceOf(CredentialResult.Unavailable.class);
      assertThat(down.unreachable(Grants.CLUSTER)).isPresent();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void anUnknownClusterIsNeverAttempted() {
    ClusterRef unknown = new ClusterRef(new CustomerId("acme"), "nowhere");
    RequestId id = Grants.newId();

    assertThat(
            access.grant(
                Grants.grant(
                    unknown,
                    id,
                    "latchkey-readonly",
                    Scope.CLUSTER,
                    Grants.user("u"),
                    Grants.EXPIRES)))
        .isInstanceOf(GrantResult.Refused.class);
    assertThat(access.revoke(new Footprint(unknown, id, Scope.CLUSTER, true)))
        .isInstanceOf(RemovalResult.Unavailable.class);
    assertThat(access.listManaged(unknown)).isInstanceOf(Listing.Unavailable.class);
    assertThat(access.checkRole(unknown, "x")).isInstanceOf(RoleCheck.Unavailable.class);
    assertThat(access.issueCredential(unknown, id, NOW))
        .isInstanceOf(CredentialResult.Unavailable.class);
  }

  @Test
  void aServiceAccountSubjectOutsideTheGrantsNamespaceIsRefused() {
    RequestId id = Grants.newId();
    var grant =
        Grants.grant(
            id,
            "latchkey-readonly",
            Scope.CLUSTER,
            new dev.latchkey.core.Subject.ServiceAccount("kube-system", id.value()));

    assertThat(access.grant(grant)).isInstanceOf(GrantResult.Refused.class);
    assertThat(client.serviceAccounts().inAnyNamespace().list().getItems()).isEmpty();
  }

  @Test
  void theServerIsReachable() {
    assertThat(access.unreachable(Grants.CLUSTER)).isEmpty();
    // unrelated objects do not disturb listing
    client
        .configMaps()
        .inNamespace("x")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("c")
                .addToLabels("app.kubernetes.io/managed-by", "latchkey")
                .endMetadata()
                .build())
        .create();
    assertThat(access.listManaged(Grants.CLUSTER)).isEqualTo(new Listing.Listed(List.of()));
  }

  // ---------------------------------------------------------------- helpers

  private List<RoleBinding> roleBindingsOf(RequestId id) {
    return client
        .rbac()
        .roleBindings()
        .inAnyNamespace()
        .withLabel("latchkey.dev/request-id", id.value())
        .list()
        .getItems();
  }

  private static void assertLabelledAndAnnotated(
      Map<String, String> labels, Map<String, String> annotations, RequestId id) {
    assertThat(labels)
        .containsOnly(
            entry("app.kubernetes.io/managed-by", "latchkey"),
            entry("latchkey.dev/request-id", id.value()),
            entry("latchkey.dev/customer", "acme"),
            entry("latchkey.dev/cluster", "prod-eu"));
    assertThat(annotations)
        .containsOnly(
            entry("latchkey.dev/expires-at", "2030-01-02T03:04:05Z"),
            entry(
                "latchkey.dev/approvers", "slack:T0CUSTOMER/U0APPROVER,slack:T0CUSTOMER/U0SECOND"),
            entry("latchkey.dev/reason", "INC-4711: pods crash-looping"));
  }

  private static Status status(int code, String message) {
    return new StatusBuilder().withStatus("Failure").withCode(code).withMessage(message).build();
  }

  /**
   * The CRUD mock cannot answer TokenRequest: one stubbed answer, recording the lifetime asked for.
   */
  private AtomicLong stubTokenRequest(RequestId id, String token, String expiry) {
    AtomicLong asked = new AtomicLong(-1);
    KubernetesSerialization serialization = new KubernetesSerialization();
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/latchkey-grants/serviceaccounts/" + id + "/token")
        .andReply(
            201,
            request -> {
              TokenRequest sent =
                  serialization.unmarshal(request.getUtf8Body(), TokenRequest.class);
              asked.set(sent.getSpec().getExpirationSeconds());
              return new TokenRequestBuilder(sent)
                  .withNewStatus()
                  .withToken(token)
                  .withExpirationTimestamp(expiry)
                  .endStatus()
                  .build();
            })
        .once();
    return asked;
  }
}
