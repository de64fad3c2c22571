package dev.latchkey.core;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A role of the catalogue as a cluster offers it: the name people request, the ClusterRole it
 * binds, what it allows in one line, its longest window, how many distinct approvers it needs, and
 * whether it may only be granted in named namespaces (never cluster-wide).
 */
public record RoleDefinition(
    String name,
    String clusterRole,
    String description,
    Duration maxDuration,
    int approvalsRequired,
    boolean namespacedOnly) {
  public static final Duration DEFAULT_MAX_DURATION = Duration.ofHours(8);
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern CLUSTER_ROLE =
      Pattern.compile("[a-z0-9]([a-z0-9.:-]{0,251}[a-z0-9])?");

  public RoleDefinition {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "role name must be lowercase letters, digits and dashes: " + name);
    }
    if (clusterRole == null || !CLUSTER_ROLE.matcher(clusterRole).matches()) {
      throw new IllegalArgumentException("not a ClusterRole name: " + clusterRole);
    }
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(maxDuration, "maxDuration");
    if (maxDuration.isNegative()
        || maxDuration.isZero()
        || maxDuration.compareTo(Duration.ofDays(7)) > 0) {
      throw new IllegalArgumentException("maximum duration must be above zero and at most 7 days");
    }
    if (approvalsRequired < 1 || approvalsRequired > 5) {
      throw new IllegalArgumentException("approvals required must be between 1 and 5");
    }
  }

  /** A role that may be granted cluster-wide as well as in named namespaces. */
  public RoleDefinition(
      String name,
      String clusterRole,
      String description,
      Duration maxDuration,
      int approvalsRequired) {
    this(name, clusterRole, description, maxDuration, approvalsRequired, false);
  }

  /** This role, granted only in named namespaces. */
  public RoleDefinition onlyNamespaced() {
    return new RoleDefinition(name, clusterRole, description, maxDuration, approvalsRequired, true);
  }

  public static final String READONLY = "readonly";
  public static final String OPERATOR = "operator";
  public static final String ADMIN = "admin";

  /**
   * The built-in roles, as shipped in deploy/catalogue.yaml; a configuration can change their
   * limits.
   */
  public static RoleDefinition builtIn(String name) {
    return switch (name) {
      case READONLY ->
          new RoleDefinition(
              READONLY,
              "latchkey-readonly",
              "read workloads, events, logs and configuration; never Secrets",
              DEFAULT_MAX_DURATION,
              1);
      case OPERATOR ->
          new RoleDefinition(
              OPERATOR,
              "latchkey-operator",
              "readonly plus exec, port-forward, deleting and evicting pods, scaling workloads, "
                  + "patching nodes (cordon, labels, taints)",
              DEFAULT_MAX_DURATION,
              1);
      case ADMIN ->
          new RoleDefinition(
              ADMIN, "cluster-admin", "full control of the cluster", DEFAULT_MAX_DURATION, 2);
      default -> throw new IllegalArgumentException("no built-in role " + name);
    };
  }

  public static boolean isBuiltIn(String name) {
    return READONLY.equals(name) || OPERATOR.equals(name) || ADMIN.equals(name);
  }
}
