package dev.latchkey.k8s;

import static dev.latchkey.k8s.RealCluster.can;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.port.ClusterAccess.PodReach;
import dev.latchkey.core.port.ClusterAccess.RoleCheck;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Consumer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * deploy/catalogue.yaml on a real API server: what each role lets its holder do, by
 * SubjectAccessReview.
 */
@ExtendWith(RealClusterExtension.class)
class CatalogueIT {
  private static final String NS = "default";

  private static final List<ResourceAttributes> READS =
      List.of(
          can("list", "pods", NS),
          can("get", "pods", NS),
          can("watch", "pods", NS),
          can("get", "pods/log", NS),
          can("list", "apps:deployments", NS),
          can("list", "apps:statefulsets", NS),
          can("list", "apps:daemonsets", NS),
          can("list", "apps:replicasets", NS),
          can("get", "apps:deployments/scale", NS),
          can("list", "nodes", null),
          can("list", "namespaces", null),
          can("list", "events", NS),
          can("list", "events.k8s.io:events", NS),
          can("list", "services", NS),
          can("list", "endpoints", NS),
          can("list", "discovery.k8s.io:endpointslices", NS),
          can("list", "configmaps", NS),
          can("list", "persistentvolumeclaims", NS),
          can("list", "persistentvolumes", null),
          can("list", "batch:jobs", NS),
          can("list", "batch:cronjobs", NS),
          can("list", "networking.k8s.io:ingresses", NS),
          can("list", "networking.k8s.io:networkpolicies", NS),
          can("list", "autoscaling:horizontalpodautoscalers", NS),
          can("list", "policy:poddisruptionbudgets", NS),
          can("list", "storage.k8s.io:storageclasses", null));

  private static final List<ResourceAttributes> SECRETS =
      List.of(
          can("get", "secrets", NS),
          can("list", "secrets", NS),
          can("watch", "secrets", NS),
          can("list", "secrets", null),
          can("get", "secrets", "kube-system"));

  private static final List<ResourceAttributes> OPERATES =
      List.of(
          can("create", "pods/exec", NS),
          can("get", "pods/exec", NS),
          can("create", "pods/attach", NS),
          can("create", "pods/portforward", NS),
          can("create", "pods/eviction", NS),
          can("delete", "pods", NS),
          can("update", "apps:deployments/scale", NS),
          can("patch", "apps:deployments/scale", NS),
          can("update", "apps:statefulsets/scale", NS),
          can("patch", "nodes", null));

  private static final List<ResourceAttributes> NEVER =
      List.of(
          can("create", "pods", NS),
          can("update", "pods", NS),
          can("create", "apps:deployments", NS),
          can("delete", "apps:deployments", NS),
          can("update", "apps:deployments", NS),
          can("delete", "nodes", null),
          // A pod template is write access to every Secret and ServiceAccount of the namespace: no
          // rollout restart.
          can("patch", "apps:deployments", NS),
          can("patch", "apps:statefulsets", NS),
          can("patch", "apps:daemonsets", NS),
          can("create", "configmaps", NS),
          can("create", "rbac.authorization.k8s.io:rolebindings", NS),
          can("create", "serviceaccounts/token", NS),
          can("impersonate", "users", null),
          can("delete", "namespaces", null));

  @Test
  void readonlyReadsWhatSupportNeedsButNeverSecretsAndChangesNothing(RealCluster cluster) {
    holding(
        cluster,
        "latchkey-readonly",
        user -> {
          SoftAssertions soft = new SoftAssertions();
          READS.forEach(
              a -> soft.assertThat(cluster.allowed(user, a)).as("may %s", describe(a)).isTrue());
          SECRETS.forEach(
              a ->
                  soft.assertThat(cluster.allowed(user, a))
                      .as("may not %s", describe(a))
                      .isFalse());
          OPERATES.forEach(
              a ->
                  soft.assertThat(cluster.allowed(user, a))
                      .as("may not %s", describe(a))
                      .isFalse());
          NEVER.forEach(
              a ->
                  soft.assertThat(cluster.allowed(user, a))
                      .as("may not %s", describe(a))
                      .isFalse());
          soft.assertAll();
        });
  }

  @Test
  void operatorAddsTroubleshootingButNeverSecrets(RealCluster cluster) {
    holding(
        cluster,
        "latchkey-operator",
        user -> {
          SoftAssertions soft = new SoftAssertions();
          READS.forEach(
              a -> soft.assertThat(cluster.allowed(user, a)).as("may %s", describe(a)).isTrue());
          OPERATES.forEach(
              a -> soft.assertThat(cluster.allowed(user, a)).as("may %s", describe(a)).isTrue());
          SECRETS.forEach(
              a ->
                  soft.assertThat(cluster.allowed(user, a))
                      .as("may not %s", describe(a))
                      .isFalse());
          NEVER.forEach(
              a ->
                  soft.assertThat(cluster.allowed(user, a))
                      .as("may not %s", describe(a))
                      .isFalse());
          soft.assertAll();
        });
  }

  @Test
  void latchkeyChecksTheRolesWithItsReadOnlyAccess(RealCluster cluster) {
    try (FabricClusterAccess access = cluster.accessAsLatchkey()) {
      assertThat(access.checkRole(RealCluster.REF, "latchkey-readonly"))
          .isEqualTo(new RoleCheck.Present(false));
      // What a cluster-wide holder could do to Latchkey's own pod where Latchkey runs: operator
      // reaches pods, readonly does not.
      assertThat(access.checkRole(RealCluster.REF, "latchkey-operator"))
          .isEqualTo(
              new RoleCheck.Present(
                  false,
                  EnumSet.of(PodReach.EXEC, PodReach.DELETE_PODS, PodReach.CHANGE_WORKLOADS)));
      assertThat(access.checkRole(RealCluster.REF, "cluster-admin"))
          .isEqualTo(new RoleCheck.Present(true, EnumSet.allOf(PodReach.class)));
      // An aggregated role, read with the rules the controller manager filled in.
      assertThat(access.checkRole(RealCluster.REF, "admin"))
          .isEqualTo(new RoleCheck.Present(true, EnumSet.allOf(PodReach.class)));
      assertThat(access.checkRole(RealCluster.REF, "latchkey-absent"))
          .isEqualTo(new RoleCheck.Missing());
    }
  }

  /** Binds the role to a fresh user for the duration of {@code check}. */
  private static void holding(RealCluster cluster, String role, Consumer<String> check) {
    String user = RealCluster.unique("it-holder");
    String binding = RealCluster.unique("it-catalogue");
    cluster
        .admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(binding)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(user)
                .endSubject()
                .build())
        .create();
    try {
      cluster.awaitAllowed(user, can("list", "pods", NS), true);
      check.accept(user);
    } finally {
      cluster.admin.rbac().clusterRoleBindings().withName(binding).delete();
    }
  }

  private static String describe(ResourceAttributes a) {
    return a.getVerb()
        + " "
        + (a.getGroup().isEmpty() ? "" : a.getGroup() + ":")
        + a.getResource()
        + (a.getSubresource() == null ? "" : "/" + a.getSubresource())
        + (a.getNamespace() == null ? " (cluster)" : " in " + a.getNamespace());
  }
}
