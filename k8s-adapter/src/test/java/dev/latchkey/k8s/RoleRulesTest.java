package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

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
}
