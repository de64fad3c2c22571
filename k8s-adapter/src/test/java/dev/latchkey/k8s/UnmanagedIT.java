package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.ClusterAccess.BoundRole;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.UnmanagedKind;
import dev.latchkey.core.port.ClusterAccess.UnmanagedListing;
import dev.latchkey.core.port.ClusterAccess.UnmanagedObject;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A backdoor as an outside attack left one, on a real API server: an identity that may create
 * ServiceAccounts, bindings and Secrets leaves itself a ServiceAccount in {@code latchkey-grants},
 * binds it to cluster-admin and asks for a token Secret for it. Reconciliation, which reads only
 * labelled objects, never sees them; {@link FabricClusterAccess#listUnmanaged}, running as
 * Latchkey's own identity (deploy/rbac.yaml), reports all three and none of Latchkey's own grants.
 */
@ExtendWith(RealClusterExtension.class)
class UnmanagedIT {
  private static final String GRANTS = GrantObjects.GRANTS_NAMESPACE;

  @Test
  void theBackdoorIsReportedAndLatchkeysOwnGrantsAreNot(RealCluster cluster) {
    String backdoor = RealCluster.unique("backdoor");
    RequestId token = Grants.newId();
    RequestId user = Grants.newId();
    try (FabricClusterAccess access = cluster.accessAsLatchkey()) {
      assertThat(access.grant(grant(token, Scope.CLUSTER, Grants.tokenSubject(token))))
          .isEqualTo(new GrantResult.Granted());
      assertThat(
              access.grant(
                  grant(
                      user, Grants.namespaces("default"), Grants.user("support:u@vendor.example"))))
          .isEqualTo(new GrantResult.Granted());
      attack(cluster, backdoor);

      UnmanagedListing listing = access.listUnmanaged(RealCluster.REF);

      assertThat(listing)
          .isInstanceOfSatisfying(
              UnmanagedListing.Listed.class,
              l -> {
                assertThat(l.objects())
                    .filteredOn(o -> o.name().startsWith(backdoor))
                    .containsExactly(
                        new UnmanagedObject(
                            UnmanagedKind.SERVICE_ACCOUNT,
                            Optional.of(GRANTS),
                            backdoor,
                            Optional.empty(),
                            Optional.empty()),
                        new UnmanagedObject(
                            UnmanagedKind.SECRET,
                            Optional.of(GRANTS),
                            backdoor + "-token",
                            Optional.empty(),
                            Optional.of(backdoor)),
                        new UnmanagedObject(
                            UnmanagedKind.CLUSTER_ROLE_BINDING,
                            Optional.empty(),
                            backdoor,
                            Optional.of(new BoundRole("ClusterRole", "cluster-admin")),
                            Optional.empty()));
                // Latchkey's grants, Kubernetes' default ServiceAccount and the RoleBinding of
                // deploy/rbac.yaml in the grants' namespace are not reported.
                assertThat(l.objects())
                    .extracting(UnmanagedObject::name)
                    .doesNotContain(
                        token.value(),
                        GrantObjects.bindingName(token),
                        GrantObjects.bindingName(user),
                        "default",
                        "latchkey");
              });
    } finally {
      cluster.admin.rbac().clusterRoleBindings().withName(backdoor).delete();
      cluster.admin.secrets().inNamespace(GRANTS).withName(backdoor + "-token").delete();
      cluster.admin.serviceAccounts().inNamespace(GRANTS).withName(backdoor).delete();
      try (FabricClusterAccess admin = cluster.accessAsAdmin()) {
        admin.revoke(new Footprint(RealCluster.REF, token, Scope.CLUSTER, true));
        admin.revoke(new Footprint(RealCluster.REF, user, Grants.namespaces("default"), false));
      }
    }
  }

  /** What the attack left: no label of Latchkey's on any of it. */
  private static void attack(RealCluster cluster, String name) {
    cluster
        .admin
        .serviceAccounts()
        .inNamespace(GRANTS)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(GRANTS)
                .endMetadata()
                .build())
        .create();
    cluster
        .admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withNamespace(GRANTS)
                .withName(name)
                .endSubject()
                .build())
        .create();
    cluster
        .admin
        .secrets()
        .inNamespace(GRANTS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name + "-token")
                .withNamespace(GRANTS)
                .withAnnotations(Map.of(UnmanagedObjects.TOKEN_OF, name))
                .endMetadata()
                .withType("kubernetes.io/service-account-token")
                .build())
        .create();
  }

  private static Grant grant(RequestId id, Scope scope, dev.latchkey.core.Subject subject) {
    return new Grant(
        id,
        RealCluster.REF,
        "latchkey-readonly",
        scope,
        subject,
        Instant.now().plus(Duration.ofHours(1)),
        List.of("slack:T0C/U0A"),
        "unmanaged objects test");
  }
}
