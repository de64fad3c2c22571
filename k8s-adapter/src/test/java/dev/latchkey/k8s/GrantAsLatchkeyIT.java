package dev.latchkey.k8s;

import static dev.latchkey.k8s.RealCluster.can;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.Listing;
import dev.latchkey.core.port.ClusterAccess.ObjectKind;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adapter running as Latchkey's own identity (deploy/rbac.yaml) on a real API server: every
 * catalogue role in both scopes and both credential modes, and the refusals real RBAC makes;
 * cluster-admin refused as deploy/ ships, and granted with its offer-admin component.
 */
@ExtendWith(RealClusterExtension.class)
class GrantAsLatchkeyIT {
  private static FabricClusterAccess access;
  private static String web;
  private static String api;

  @BeforeAll
  static void setUp(RealCluster cluster) {
    access = cluster.accessAsLatchkey();
    web = cluster.createNamespace("latchkey-it-web");
    api = cluster.createNamespace("latchkey-it-api");
  }

  @AfterAll
  static void tearDown(RealCluster cluster) {
    if (access != null) {
      access.close();
    }
    cluster.deleteNamespace(web);
    cluster.deleteNamespace(api);
  }

  static Stream<Arguments> catalogue() {
    return Stream.of("latchkey-readonly", "latchkey-operator")
        .flatMap(
            role ->
                Stream.of(true, false)
                    .flatMap(
                        namespaced ->
                            Stream.of(true, false)
                                .map(token -> Arguments.of(role, namespaced, token))));
  }

  @ParameterizedTest(name = "{0}, namespaced={1}, token={2}")
  @MethodSource("catalogue")
  void everyCatalogueRoleIsGrantedAndRevoked(
      String role, boolean namespaced, boolean token, RealCluster cluster) {
    grantAndRevoke(access, role, namespaced, token, cluster);
  }

  @ParameterizedTest(name = "namespaced={0}, token={1}")
  @MethodSource("scopesAndModes")
  void clusterAdminIsRefusedAsDeployShipsAndLeavesNothing(
      boolean namespaced, boolean token, RealCluster cluster) {
    RequestId id = Grants.newId();
    Scope scope = namespaced ? Grants.namespaces(web, api) : Scope.CLUSTER;

    GrantResult result = access.grant(grant(id, "cluster-admin", scope, token));

    assertThat(result)
        .isInstanceOfSatisfying(
            GrantResult.Refused.class,
            r ->
                assertThat(r.message())
                    .contains("attempting to grant RBAC permissions not currently held"));
    assertThat(cluster.objectsOf(id)).isEmpty();
  }

  @ParameterizedTest(name = "namespaced={0}, token={1}")
  @MethodSource("scopesAndModes")
  void clusterAdminIsGrantedAndRevokedWithTheOfferAdminComponent(
      boolean namespaced, boolean token, RealCluster cluster) {
    List<HasMetadata> built = Manifests.kustomize("offer-admin");
    String name = RealCluster.unique("latchkey-it-admin");
    List<Runnable> cleanup = new ArrayList<>();
    try {
      cluster.installIdentity(
          name,
          Manifests.find(built, ClusterRole.class, "latchkey").getRules(),
          Manifests.find(built, Role.class, "latchkey").getRules(),
          cleanup);
      try (FabricClusterAccess withAdmin = cluster.accessAs(RealCluster.LATCHKEY_NAMESPACE, name)) {
        grantAndRevoke(withAdmin, "cluster-admin", namespaced, token, cluster);
      }
    } finally {
      cleanup.reversed().forEach(Runnable::run);
    }
  }

  private static void grantAndRevoke(
      FabricClusterAccess adapter,
      String role,
      boolean namespaced,
      boolean token,
      RealCluster cluster) {
    RequestId id = Grants.newId();
    Scope scope = namespaced ? Grants.namespaces(web, api) : Scope.CLUSTER;
    Grant grant = grant(id, role, scope, token);
    String user = user(grant);
    ResourceAttributes inScope = can("list", "pods", web);
    ResourceAttributes outOfScope = can("list", "pods", "default");

    assertThat(adapter.grant(grant)).isEqualTo(new GrantResult.Granted());
    assertThat(adapter.grant(grant)).as("granting again").isEqualTo(new GrantResult.Granted());

    cluster.awaitAllowed(user, inScope, true);
    assertThat(cluster.allowed(user, outOfScope)).isEqualTo(!namespaced);
    Set<ObjectKind> kinds =
        EnumSet.of(namespaced ? ObjectKind.ROLE_BINDING : ObjectKind.CLUSTER_ROLE_BINDING);
    if (token) {
      kinds.add(ObjectKind.SERVICE_ACCOUNT);
    }
    assertThat(adapter.listManaged(RealCluster.REF))
        .isInstanceOfSatisfying(
            Listing.Listed.class,
            l ->
                assertThat(l.grants())
                    .filteredOn(g -> g.id().equals(id))
                    .singleElement()
                    .satisfies(
                        g -> {
                          assertThat(g.kinds()).isEqualTo(kinds);
                          assertThat(g.annotatedExpiry()).contains(grant.expiresAt());
                        }));
    assertThat(cluster.objectsOf(id)).hasSize((namespaced ? 2 : 1) + (token ? 1 : 0));

    assertThat(adapter.revoke(Footprint.of(grant)))
        .isEqualTo(new RemovalResult.Removed((namespaced ? 2 : 1) + (token ? 1 : 0)));
    assertThat(adapter.revoke(Footprint.of(grant)))
        .as("revoking again")
        .isEqualTo(new RemovalResult.Removed(0));

    assertThat(cluster.objectsOf(id)).isEmpty();
    cluster.awaitAllowed(user, inScope, false);
  }

  static Stream<Arguments> scopesAndModes() {
    return Stream.of(true, false)
        .flatMap(
            namespaced -> Stream.of(true, false).map(token -> Arguments.of(namespaced, token)));
  }

  @ParameterizedTest(name = "namespaced={0}, token={1}")
  @MethodSource("scopesAndModes")
  void aRoleOutsideTheCatalogueIsRefusedByTheApiServerAndLeavesNothing(
      boolean namespaced, boolean token, RealCluster cluster) {
    String outside = RealCluster.unique("latchkey-it-outside");
    cluster
        .admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(outside)
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("pods", "secrets")
                .withVerbs("get", "list")
                .endRule()
                .build())
        .create();
    try {
      RequestId id = Grants.newId();
      Scope scope = namespaced ? Grants.namespaces(web, api) : Scope.CLUSTER;

      GrantResult result = access.grant(grant(id, outside, scope, token));

      assertThat(result)
          .isInstanceOfSatisfying(
              GrantResult.Refused.class,
              r ->
                  assertThat(r.message())
                      .contains("attempting to grant RBAC permissions not currently held")
                      .doesNotContain("\n"));
      assertThat(cluster.objectsOf(id)).isEmpty();
      assertThat(access.listManaged(RealCluster.REF))
          .isInstanceOfSatisfying(
              Listing.Listed.class, l -> assertThat(l.grants()).noneMatch(g -> g.id().equals(id)));
    } finally {
      cluster.admin.rbac().clusterRoles().withName(outside).delete();
    }
  }

  @Test
  void aMissingNamespaceAfterAGoodOneIsRefusedAndTheFirstBindingRemoved(RealCluster cluster) {
    RequestId id = Grants.newId();
    String missing = RealCluster.unique("zz-latchkey-it-missing");

    GrantResult result =
        access.grant(grant(id, "latchkey-readonly", Grants.namespaces(web, missing), true));

    assertThat(result)
        .isEqualTo(new GrantResult.Refused("namespaces \"" + missing + "\" not found"));
    assertThat(cluster.objectsOf(id)).isEmpty();
  }

  private static Grant grant(RequestId id, String role, Scope scope, boolean token) {
    Subject subject =
        token
            ? Grants.tokenSubject(id)
            : Grants.user("support:" + RealCluster.unique("it") + "@vendor.example");
    return new Grant(
        id,
        RealCluster.REF,
        role,
        scope,
        subject,
        Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS),
        List.of("slack:T0C/U0A"),
        "real API server test");
  }

  private static String user(Grant grant) {
    return switch (grant.subject()) {
      case Subject.ServiceAccount sa -> "system:serviceaccount:" + sa.namespace() + ":" + sa.name();
      case Subject.User u -> u.name();
    };
  }
}
