package dev.latchkey.k8s;

import dev.latchkey.core.port.ClusterAccess.PodReach;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reads the rules of a ClusterRole as the API server stores them (aggregated roles included). */
final class RoleRules {
  private static final Set<String> READ_VERBS = Set.of("get", "list", "watch", "*");
  private static final Set<String> CORE = Set.of("", "*");
  private static final Set<String> WORKLOAD_GROUPS = Set.of("apps", "extensions", "batch", "*");
  // A WebSocket exec is a GET (Kubernetes up to 1.34 authorises it as `get`), SPDY a POST.
  private static final Set<String> STREAM_VERBS = Set.of("create", "get", "*");
  private static final Set<String> STREAM_RESOURCES =
      Set.of("pods/exec", "pods/attach", "pods/portforward", "pods/*", "*");
  private static final Set<String> DELETE_VERBS = Set.of("delete", "deletecollection", "*");
  private static final Set<String> CHANGE_VERBS = Set.of("create", "update", "patch", "*");
  private static final Set<String> WORKLOAD_RESOURCES =
      Set.of(
          "deployments",
          "deployments/scale",
          "replicasets",
          "replicasets/scale",
          "statefulsets",
          "statefulsets/scale",
          "daemonsets",
          "replicationcontrollers",
          "replicationcontrollers/scale",
          "jobs",
          "cronjobs",
          "*");

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

  /**
   * What a cluster-wide holder of these rules can do to the pods of any namespace. Rules limited to
   * named objects count too: a name is no boundary a role's author can vouch for in another team's
   * namespace.
   */
  static Set<PodReach> reaches(List<PolicyRule> rules) {
    Set<PodReach> reach = EnumSet.noneOf(PodReach.class);
    if (rules == null) {
      return reach;
    }
    for (PolicyRule rule : rules) {
      if (readsSecrets(rule)) {
        reach.add(PodReach.READ_SECRETS);
      }
      boolean core = containsAny(rule.getApiGroups(), CORE);
      if (core
          && containsAny(rule.getResources(), STREAM_RESOURCES)
          && containsAny(rule.getVerbs(), STREAM_VERBS)) {
        reach.add(PodReach.EXEC);
      }
      if (core
          && ((containsAny(rule.getResources(), Set.of("pods", "*"))
                  && containsAny(rule.getVerbs(), DELETE_VERBS))
              || (containsAny(rule.getResources(), Set.of("pods/eviction", "pods/*", "*"))
                  && containsAny(rule.getVerbs(), Set.of("create", "*"))))) {
        reach.add(PodReach.DELETE_PODS);
      }
      boolean createsPods =
          core
              && containsAny(rule.getResources(), Set.of("pods", "replicationcontrollers", "*"))
              && containsAny(rule.getVerbs(), CHANGE_VERBS);
      boolean changesWorkloads =
          containsAny(rule.getApiGroups(), WORKLOAD_GROUPS)
              && containsAny(rule.getResources(), WORKLOAD_RESOURCES)
              && containsAny(rule.getVerbs(), CHANGE_VERBS);
      if (createsPods || changesWorkloads) {
        reach.add(PodReach.CHANGE_WORKLOADS);
      }
    }
    return reach;
  }

  private static boolean readsSecrets(PolicyRule rule) {
    if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()) {
      return false;
    }
    return containsAny(rule.getApiGroups(), CORE)
        && containsAny(rule.getResources(), Set.of("secrets", "*"))
        && containsAny(rule.getVerbs(), READ_VERBS);
  }

  private static boolean containsAny(List<String> values, Set<String> wanted) {
    return values != null && values.stream().anyMatch(wanted::contains);
  }
}
