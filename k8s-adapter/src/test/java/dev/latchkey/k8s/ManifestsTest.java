package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What deploy/catalogue.yaml and deploy/rbac.yaml say, read as the API server would read them. */
class ManifestsTest {
  private final List<HasMetadata> catalogue = Manifests.load("catalogue.yaml");
  private final List<HasMetadata> rbac = Manifests.load("rbac.yaml");

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
  void latchkeyMayBindOnlyTheCatalogueAndClusterAdmin() {
    ClusterRole role = Manifests.find(rbac, ClusterRole.class, "latchkey");
    List<PolicyRule> bind =
        role.getRules().stream().filter(r -> r.getVerbs().contains("bind")).toList();

    assertThat(bind)
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getVerbs()).containsExactly("bind");
              assertThat(rule.getResources()).containsExactly("clusterroles");
              assertThat(rule.getResourceNames())
                  .containsExactlyInAnyOrder(
                      "latchkey-readonly", "latchkey-operator", "cluster-admin");
            });
  }

  @Test
  void latchkeyHoldsNoWildcardsNoEscalationAndNoWriteOnRoles() {
    List<PolicyRule> rules =
        new java.util.ArrayList<>(Manifests.find(rbac, ClusterRole.class, "latchkey").getRules());
    rules.addAll(Manifests.find(rbac, Role.class, "latchkey").getRules());

    assertThat(rules)
        .allSatisfy(
            rule -> {
              assertThat(rule.getApiGroups()).doesNotContain("*");
              assertThat(rule.getResources()).doesNotContain("*", "secrets", "roles");
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
    assertThat(RoleRules.readsSecrets(rules)).isFalse();
  }

  @Test
  void serviceAccountsAndTokensOnlyInTheGrantsNamespace() {
    ClusterRole cluster = Manifests.find(rbac, ClusterRole.class, "latchkey");
    assertThat(cluster.getRules())
        .flatExtracting(PolicyRule::getResources)
        .doesNotContain("serviceaccounts", "serviceaccounts/token");

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
}
