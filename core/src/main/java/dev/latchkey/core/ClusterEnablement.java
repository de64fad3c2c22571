package dev.latchkey.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Whether support access is on for a cluster right now, and for which roles; off until someone
 * enables it.
 */
public record ClusterEnablement(
    ClusterRef cluster,
    boolean enabled,
    Set<String> roles,
    Optional<Instant> changedAt,
    Optional<Actor> changedBy) {
  public ClusterEnablement {
    Objects.requireNonNull(cluster, "cluster");
    roles = Set.copyOf(roles);
    Objects.requireNonNull(changedAt, "changedAt");
    Objects.requireNonNull(changedBy, "changedBy");
  }

  public static ClusterEnablement disabledByDefault(ClusterRef cluster) {
    return new ClusterEnablement(cluster, false, Set.of(), Optional.empty(), Optional.empty());
  }

  public boolean allows(String role) {
    return enabled && roles.contains(role);
  }
}
