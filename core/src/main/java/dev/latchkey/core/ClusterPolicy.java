package dev.latchkey.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a cluster may ever offer (the ceiling, from configuration): its roles, the namespaces
 * requests may name, how long a request may wait, and how engineers get in. Whether access is
 * enabled right now is runtime state, see {@link ClusterEnablement}.
 */
public record ClusterPolicy(
    ClusterRef cluster,
    Map<String, RoleDefinition> roles,
    List<String> allowedNamespaces,
    Duration pendingTtl,
    CredentialMode credentials,
    String subjectTemplate) {
  public static final Duration DEFAULT_PENDING_TTL = Duration.ofHours(2);
  public static final String DEFAULT_SUBJECT_TEMPLATE = "support:{email}";

  public ClusterPolicy {
    Objects.requireNonNull(cluster, "cluster");
    roles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(roles));
    if (roles.isEmpty()) {
      throw new IllegalArgumentException("a cluster offers at least one role");
    }
    roles.forEach(
        (name, role) -> {
          if (!name.equals(role.name())) {
            throw new IllegalArgumentException("role " + name + " is defined under another name");
          }
        });
    allowedNamespaces = List.copyOf(allowedNamespaces);
    for (String ns : allowedNamespaces) {
      if (!Scope.isNamespaceName(ns)) {
        throw new IllegalArgumentException("not a namespace name: " + ns);
      }
    }
    Objects.requireNonNull(pendingTtl, "pendingTtl");
    if (pendingTtl.isNegative() || pendingTtl.isZero()) {
      throw new IllegalArgumentException("pending TTL must be above zero");
    }
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(subjectTemplate, "subjectTemplate");
    // A fixed prefix keeps derived users apart from every other identity the cluster knows;
    // "system:" names are
    // Kubernetes' own (nodes, ServiceAccounts, controllers).
    if (!subjectTemplate.matches("[A-Za-z0-9:@._-]+(\\{(email|team|user)\\}[A-Za-z0-9:@._-]*)+")
        || subjectTemplate.startsWith("system:")) {
      throw new IllegalArgumentException(
          "subject template must use {email}, {team} or {user} after a fixed prefix that is not"
              + " system:, e.g. support:{email}");
    }
  }

  public Optional<RoleDefinition> role(String name) {
    return Optional.ofNullable(roles.get(name));
  }

  /** A requested role window: 8 h unless the role allows less. */
  public Duration defaultDuration(RoleDefinition role) {
    return role.maxDuration().compareTo(RoleDefinition.DEFAULT_MAX_DURATION) < 0
        ? role.maxDuration()
        : RoleDefinition.DEFAULT_MAX_DURATION;
  }
}
