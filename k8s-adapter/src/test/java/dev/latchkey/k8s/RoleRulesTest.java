package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.port.ClusterAccess.PodReach;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoleRulesTest {

  private static PolicyRule rule(List<String> groups, List<String> resources, List<String> verbs) {
    return new PolicyRuleBuilder()
        .withApiGroups(groups)
        .withResources(resources)
        .withVerbs(verbs)
        .build();
  }

  @Test
  void readingSecretsInTheCoreGroupCounts() {
    for (String verb : List.of("get", "list", "watch", "*")) {
      assertThat(
              RoleRules.readsSecrets(List.of(rule(List.of(""), List.of("secrets"), List.of(verb)))))
          .as(verb)
          .isTrue();
    }
  }

  @Test
  void wildcardsCount() {
    assertThat(RoleRules.readsSecrets(List.of(rule(List.of("*"), List.of("*"), List.of("*")))))
        .isTrue();
    assertThat(RoleRules.readsSecrets(List.of(rule(List.of(""), List.of("*"), List.of("list")))))
        .isTrue();
    assertThat(
            RoleRules.readsSecrets(List.of(rule(List.of("*"), List.of("secrets"), List.of("get")))))
        .isTrue();
  }

  @Test
  void otherGroupsVerbsAndResourcesDoNot() {
    assertThat(
            RoleRules.readsSecrets(
                List.of(
                    rule(List.of("apps"), List.of("*"), List.of("get")),
                    rule(List.of(""), List.of("secrets"), List.of("create", "delete", "update")),
                    rule(List.of(""), List.of("pods", "configmaps"), List.of("*")))))
        .isFalse();
    assertThat(RoleRules.readsSecrets(List.of())).isFalse();
    assertThat(RoleRules.readsSecrets(null)).isFalse();
  }

  @Test
  void aRuleLimitedToNamedSecretsIsNotCounted() {
    PolicyRule named =
        new PolicyRuleBuilder()
            .withApiGroups("")
            .withResources("secrets")
            .withResourceNames("registry-pull")
            .withVerbs("get")
            .build();
    assertThat(RoleRules.readsSecrets(List.of(named))).isFalse();
  }

  @Test
  void nonResourceRulesAreIgnored() {
    PolicyRule urls = new PolicyRuleBuilder().withNonResourceURLs("*").withVerbs("*").build();
    assertThat(RoleRules.readsSecrets(List.of(urls))).isFalse();
  }

  @Test
  void theCataloguesReadonlyReachesNoPodAndOperatorReachesThem() {
    List<io.fabric8.kubernetes.api.model.HasMetadata> catalogue = Manifests.load("catalogue.yaml");
    ClusterRole readonly = Manifests.find(catalogue, ClusterRole.class, "latchkey-readonly");
    ClusterRole operator = Manifests.find(catalogue, ClusterRole.class, "latchkey-operator");
    assertThat(RoleRules.reaches(readonly.getRules())).isEmpty();
    assertThat(RoleRules.reaches(operator.getRules()))
        .containsExactlyInAnyOrder(PodReach.EXEC, PodReach.DELETE_PODS, PodReach.CHANGE_WORKLOADS);
  }

  @Test
  void whatReachesPods() {
    assertThat(reach(rule(List.of(""), List.of("pods/exec"), List.of("create"))))
        .containsExactly(PodReach.EXEC);
    assertThat(reach(rule(List.of(""), List.of("pods/portforward"), List.of("get"))))
        .containsExactly(PodReach.EXEC);
    assertThat(reach(rule(List.of(""), List.of("pods/attach"), List.of("*"))))
        .containsExactly(PodReach.EXEC);
    assertThat(reach(rule(List.of(""), List.of("pods"), List.of("delete"))))
        .containsExactly(PodReach.DELETE_PODS);
    assertThat(reach(rule(List.of(""), List.of("pods/eviction"), List.of("create"))))
        .containsExactly(PodReach.DELETE_PODS);
    assertThat(reach(rule(List.of(""), List.of("pods"), List.of("create"))))
        .containsExactly(PodReach.CHANGE_WORKLOADS);
    assertThat(reach(rule(List.of("apps"), List.of("deployments/scale"), List.of("patch"))))
        .containsExactly(PodReach.CHANGE_WORKLOADS);
    assertThat(reach(rule(List.of("batch"), List.of("jobs"), List.of("create"))))
        .containsExactly(PodReach.CHANGE_WORKLOADS);
    assertThat(reach(rule(List.of(""), List.of("secrets"), List.of("list"))))
        .containsExactly(PodReach.READ_SECRETS);
    assertThat(reach(rule(List.of("*"), List.of("*"), List.of("*"))))
        .containsExactlyInAnyOrder(PodReach.values());
  }

  @Test
  void readingAndListingDoNotReachPods() {
    assertThat(
            reach(
                rule(List.of(""), List.of("pods", "pods/log", "events"), List.of("get", "list")),
                rule(List.of("apps"), List.of("deployments", "*"), List.of("get", "watch")),
                rule(List.of(""), List.of("pods/exec"), List.of("list")),
                rule(List.of("rbac.authorization.k8s.io"), List.of("*"), List.of("create"))))
        .isEmpty();
    assertThat(RoleRules.reaches(null)).isEmpty();
  }

  @Test
  void aRuleLimitedToNamedPodsStillReaches() {
    PolicyRule named =
        new PolicyRuleBuilder()
            .withApiGroups("")
            .withResources("pods/exec")
            .withResourceNames("debug")
            .withVerbs("create")
            .build();
    assertThat(reach(named)).containsExactly(PodReach.EXEC);
  }

  private static java.util.Set<PodReach> reach(PolicyRule... rules) {
    return RoleRules.reaches(List.of(rules));
  }
}
