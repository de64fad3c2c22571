package dev.latchkey.core.rules;

import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.port.ClusterAccess.PodReach;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * On a cluster where Latchkey itself runs, a role granted cluster-wide with direct credentials
 * reaches Latchkey's own pod: exec into it reads its token and Slack secrets (with them, anyone can
 * grant anything and forge approvals for every customer), deleting or scaling it stops every timer.
 * Such a role is refused there unless it is granted only in named namespaces, or engineers come
 * through the gateway, which keeps every request out of the protected namespaces itself.
 */
public final class ReachRules {
  private ReachRules() {}

  /**
   * What the built-in roles are known to reach, so a configuration can be judged before any cluster
   * is asked; empty for custom roles (the cluster tells, when they are enabled).
   */
  public static Set<PodReach> knownReach(RoleDefinition role) {
    if (!RoleDefinition.isBuiltIn(role.name())
        || !role.clusterRole().equals(RoleDefinition.builtIn(role.name()).clusterRole())) {
      return Set.of();
    }
    return switch (role.name()) {
      case RoleDefinition.OPERATOR ->
          EnumSet.of(PodReach.EXEC, PodReach.DELETE_PODS, PodReach.CHANGE_WORKLOADS);
      case RoleDefinition.ADMIN -> EnumSet.allOf(PodReach.class);
      default -> Set.of();
    };
  }

  /** Why {@code role} may not be offered on this cluster, given what it {@code reaches}. */
  public static Optional<Refusal> refusal(
      ClusterPolicy policy, RoleDefinition role, Set<PodReach> reaches) {
    if (!policy.hostsLatchkey()
        || policy.credentials() == CredentialMode.GATEWAY
        || role.namespacedOnly()
        || reaches.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        Refusal.of(Refusal.Reason.ROLE_REACHES_LATCHKEY)
            .with(Fact.ROLE, role.name())
            .with(Fact.CLUSTER, policy.cluster().name())
            .with(
                Fact.REACHES,
                reaches.stream().sorted().map(Enum::name).collect(Collectors.joining(", "))));
  }
}
