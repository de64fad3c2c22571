package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What deploy/catalogue.yaml and deploy/rbac.yaml say, read as the API server would read them, and
 * what kustomize builds from deploy/, its offer-admin component and deploy-cluster-side/ (when
 * kubectl is on the PATH).
 */
class ManifestsTest {
  private final List<HasMetadata> catalogue = Manifests.load("catalogue.yaml");
  private final List<HasMetadata> rbac = Manifests.load("rbac.yaml");

  /** What the cluster needs whether Latchkey runs in it or elsewhere. */
  private static final String[] CLUSTER_SIDE_KINDS = {
    "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"
  };

  @Test
  void theCatalogueIsTwoLabelledClusterRolesAndNotClusterAdmin() {
    assertThat(catalogue)
        .allSatisfy(
            o -> {
              assertThat(o).isInstanceOf(ClusterRole.class);
              assertThat(o.getMetadata().getLabels())
                  .containsEntry("app.kubernetes.io/part-of", "latchkey");
            });
    assertThat(catalogue)
        .extracting(o -> o.getMetadata().getName())
        .containsExactly("latchkey-readonly", "latchkey-operator");
  }

  @Test
  void catalogueRolesNameEveryResourceAndNeverSecrets() {
    for (String name : List.of("latchkey-readonly", "latchkey-operator")) {
      ClusterRole role = Manifests.find(catalogue, ClusterRole.class, name);
      assertThat(role.getAggregationRule()).as(name).isNull();
      assertThat(role.getRules())
          .as(name)
          .isNotEmpty()
          .allSatisfy(
              rule -> {
                assertThat(rule.getApiGroups()).doesNotContain("*");
                assertThat(rule.getResources())
                    .doesNotContain("*", "secrets")
                    .noneMatch(r -> r.startsWith("*/"));
                assertThat(rule.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
                assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
              });
      assertThat(RoleRules.readsSecrets(role.getRules())).as(name).isFalse();
    }
  }

  @Test
  void readonlyOnlyReads() {
    ClusterRole readonly = Manifests.find(catalogue, ClusterRole.class, "latchkey-readonly");
    assertThat(readonly.getRules())
        .flatExtracting(PolicyRule::getVerbs)
        .containsOnly("get", "list", "watch");
  }

  @Test
  void operatorHoldsEverythingReadonlyHolds() {
    ClusterRole readonly = Manifests.find(catalogue, ClusterRole.class, "latchkey-readonly");
    ClusterRole operator = Manifests.find(catalogue, ClusterRole.class, "latchkey-operator");
    assertThat(operator.getRules()).containsAll(readonly.getRules());
  }

  @Test
  void latchkeyMayBindOnlyTheCatalogue() {
    assertThat(bindRule(Manifests.find(rbac, ClusterRole.class, "latchkey")).getResourceNames())
        .containsExactlyInAnyOrder("latchkey-readonly", "latchkey-operator");
  }

  @Test
  void theKustomizationBuildsTheClusterSideExactlyAsTheFilesHoldIt() {
    List<HasMetadata> built = Manifests.kustomize();
    List<HasMetadata> files = new ArrayList<>(Manifests.load("namespace.yaml"));
    files.addAll(rbac);
    files.addAll(catalogue);

    assertThat(Manifests.ofKinds(built, CLUSTER_SIDE_KINDS))
        .containsExactlyInAnyOrderElementsOf(files);
  }

  @Test
  void theOfferAdminComponentAddsClusterAdminToTheBindRuleAndChangesNothingElse() {
    List<HasMetadata> plain = Manifests.kustomize();
    List<HasMetadata> withAdmin = Manifests.kustomize("offer-admin");
    ClusterRole role = Manifests.find(withAdmin, ClusterRole.class, "latchkey");

    assertThat(bindRule(role).getResourceNames())
        .containsExactlyInAnyOrder("latchkey-readonly", "latchkey-operator", "cluster-admin");
    ClusterRole plainRole = Manifests.find(plain, ClusterRole.class, "latchkey");
    assertThat(role.getRules()).hasSameSizeAs(plainRole.getRules());
    for (int i = 0; i < role.getRules().size(); i++) {
      PolicyRule rule = role.getRules().get(i);
      if (rule != bindRule(role)) {
        assertThat(rule).isEqualTo(plainRole.getRules().get(i));
      }
    }
    assertThat(withAdmin.stream().filter(o -> o != role))
        .containsExactlyInAnyOrderElementsOf(
            plain.stream().filter(o -> !o.equals(plainRole)).toList());
  }

  @Test
  void theClusterSideOverlayIsTheClusterSideOfDeployAndATokenSecret() {
    List<HasMetadata> built =
        Manifests.build(Manifests.deployDir().resolveSibling("deploy-cluster-side"));

    assertThat(Manifests.ofKinds(built, CLUSTER_SIDE_KINDS))
        .containsExactlyInAnyOrderElementsOf(
            Manifests.ofKinds(Manifests.kustomize(), CLUSTER_SIDE_KINDS));
    List<HasMetadata> rest =
        built.stream().filter(o -> !List.of(CLUSTER_SIDE_KINDS).contains(o.getKind())).toList();
    assertThat(rest)
        .as("no Deployment, volume, configuration or Service: only the token Secret")
        .singleElement()
        .isInstanceOfSatisfying(
            Secret.class,
            secret -> {
              assertThat(secret.getType()).isEqualTo("kubernetes.io/service-account-token");
              assertThat(secret.getMetadata().getNamespace()).isEqualTo("latchkey");
              assertThat(secret.getMetadata().getAnnotations())
                  .containsEntry("kubernetes.io/service-account.name", "latchkey");
              assertThat(secret.getData()).as("Kubernetes fills it").isNullOrEmpty();
            });
  }

  @Test
  void latchkeyHoldsNoWildcardsNoEscalationAndNoWriteOnRoles() {
    List<PolicyRule> clusterRules = Manifests.find(rbac, ClusterRole.class, "latchkey").getRules();
    List<PolicyRule> rules = new ArrayList<>(clusterRules);
    rules.addAll(Manifests.find(rbac, Role.class, "latchkey").getRules());

    assertThat(rules)
        .allSatisfy(
            rule -> {
              assertThat(rule.getApiGroups()).doesNotContain("*");
              assertThat(rule.getResources()).doesNotContain("*", "roles");
              assertThat(rule.getVerbs())
                  .doesNotContain("*", "escalate", "update", "patch", "deletecollection");
            });
    // Grant objects: made, checked, listed for reconciliation, and deleted one by one by name;
    // nothing else.
    assertThat(rules)
        .filteredOn(
            r ->
                (r.getResources().contains("clusterrolebindings")
                        || r.getResources().contains("serviceaccounts"))
                    && !r.getVerbs().contains("impersonate"))
        .allSatisfy(
            rule ->
                assertThat(rule.getVerbs())
                    .containsExactlyInAnyOrder("create", "delete", "get", "list"));
    assertThat(rules)
        .filteredOn(r -> r.getResources().contains("clusterroles"))
        .flatExtracting(PolicyRule::getVerbs)
        .containsOnly("get", "bind");
    // Secrets: only listed (as metadata, to find what Latchkey did not make), and only in the
    // grants' namespace.
    assertThat(RoleRules.readsSecrets(clusterRules)).isFalse();
    assertThat(rules)
        .filteredOn(r -> r.getResources().contains("secrets"))
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getResources()).containsExactly("secrets");
              assertThat(rule.getVerbs()).containsExactly("list");
            });
  }

  @Test
  void serviceAccountsAndTokensOnlyInTheGrantsNamespace() {
    ClusterRole cluster = Manifests.find(rbac, ClusterRole.class, "latchkey");
    assertThat(cluster.getRules())
        .flatExtracting(PolicyRule::getResources)
        .doesNotContain("serviceaccounts", "serviceaccounts/token", "secrets");

    Role role = Manifests.find(rbac, Role.class, "latchkey");
    assertThat(role.getMetadata().getNamespace()).isEqualTo("latchkey-grants");
    // The gateway impersonates grants' ServiceAccounts, in that namespace only: never users or
    // groups, never cluster-wide.
    assertThat(cluster.getRules())
        .flatExtracting(PolicyRule::getVerbs)
        .doesNotContain("impersonate");
    assertThat(role.getRules())
        .filteredOn(r -> r.getVerbs().contains("impersonate"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("");
              assertThat(r.getResources()).containsExactly("serviceaccounts");
              assertThat(r.getVerbs()).containsExactly("impersonate");
              assertThat(r.getResourceNames()).isNullOrEmpty();
            });
    RoleBinding binding = Manifests.find(rbac, RoleBinding.class, "latchkey");
    assertThat(binding.getMetadata().getNamespace()).isEqualTo("latchkey-grants");
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getNamespace()).isEqualTo("latchkey");
              assertThat(s.getName()).isEqualTo("latchkey");
            });
  }

  @Test
  void theIdentityIsServiceAccountLatchkeyInNamespaceLatchkey() {
    ServiceAccount sa = Manifests.find(rbac, ServiceAccount.class, "latchkey");
    assertThat(sa.getMetadata().getNamespace()).isEqualTo("latchkey");
    ClusterRoleBinding crb = Manifests.find(rbac, ClusterRoleBinding.class, "latchkey");
    assertThat(crb.getRoleRef().getName()).isEqualTo("latchkey");
    assertThat(crb.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getNamespace()).isEqualTo("latchkey");
              assertThat(s.getName()).isEqualTo("latchkey");
            });
    assertThat(rbac).noneMatch(o -> o.getKind().equals("Namespace"));
  }

  private static PolicyRule bindRule(ClusterRole role) {
    List<PolicyRule> bind =
        role.getRules().stream().filter(r -> r.getVerbs().contains("bind")).toList();
    assertThat(bind)
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getVerbs()).containsExactly("bind");
              assertThat(rule.getResources()).containsExactly("clusterroles");
            });
    return bind.getFirst();
  }
}
