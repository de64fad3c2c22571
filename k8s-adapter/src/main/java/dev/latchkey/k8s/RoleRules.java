package dev.latchkey.k8s;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import java.util.Set;

/** Reads the rules of a ClusterRole as the API server stores them (aggregated roles included). */
final class RoleRules {
  private static final Set<String> READ_VERBS = Set.of("get", "list", "watch", "*");

  private RoleRules() {}

  /**
   * Whether a holder of these rules can read Secrets in general: a rule without resourceNames whose
   * API groups include the core group ("" or "*"), whose resources include "secrets" or "*", and
   * whose verbs include get, list, watch or "*". (A rule limited to named Secrets is a deliberate
   * exception and not counted.)
   */
  static boolean readsSecrets(List<PolicyRule> rules) {
    if (rules == null) {
      return false;
    }
    return rules.stream().anyMatch(RoleRules::readsSecrets);
  }

  private static boolean readsSecrets(PolicyRule rule) {
    if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()) {
      return false;
    }
    return containsAny(rule.getApiGroups(), Set.of("", "*"))
        && containsAny(rule.getResources(), Set.of("secrets", "*"))
        && containsAny(rule.getVerbs(), READ_VERBS);
  }

  private static boolean containsAny(List<String> values, Set<String> wanted) {
    return values != null && values.stream().anyMatch(wanted::contains);
  }
}
