package dev.latchkey.core;

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
    String what =
        reaches.stream().sorted().map(ReachRules::words).collect(Collectors.joining(", "));
    return Optional.of(
        new Refusal(
            Refusal.Reason.ROLE_REACHES_LATCHKEY,
            "Role "
                + role.name()
                + " cannot be offered cluster-wide on "
                + policy.cluster().name()
                + ": Latchkey runs in that cluster, and the role ("
                + what
                + ") would reach Latchkey's own pod, its identity and its Slack secrets, which"
                + " grant everything. Run Latchkey outside the cluster, offer the role only in"
                + " named namespaces (`scope: namespaced`), or use `credentials: gateway`, which"
                + " keeps every request out of the protected namespaces."));
  }

  private static String words(PodReach reach) {
    return switch (reach) {
      case EXEC -> "exec into pods";
      case DELETE_PODS -> "delete pods";
      case CHANGE_WORKLOADS -> "create pods or change workloads";
      case READ_SECRETS -> "read Secrets";
    };
  }
}
