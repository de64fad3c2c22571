package dev.latchkey.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A tenant: its Slack workspace (team id), the shared channel its cards go to, who approves (listed
 * user ids and/or a user group of its workspace), who administers, and its clusters.
 */
public record Customer(
    CustomerId id,
    String teamId,
    String channelId,
    Set<String> approverUserIds,
    Optional<String> approverGroupId,
    Set<String> adminUserIds,
    Map<String, ClusterPolicy> clusters) {

  public Customer {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(channelId, "channelId");
    approverUserIds = Set.copyOf(approverUserIds);
    Objects.requireNonNull(approverGroupId, "approverGroupId");
    adminUserIds = Set.copyOf(adminUserIds);
    clusters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(clusters));
    if (approverUserIds.isEmpty() && approverGroupId.isEmpty()) {
      throw new IllegalArgumentException(
          "customer " + id + " has no approvers (user ids or a user group)");
    }
    for (ClusterPolicy policy : clusters.values()) {
      if (!policy.cluster().customer().equals(id)) {
        throw new IllegalArgumentException(
            "cluster " + policy.cluster() + " listed under customer " + id);
      }
    }
  }

  public Optional<ClusterPolicy> cluster(String name) {
    return Optional.ofNullable(clusters.get(name));
  }

  public List<String> clusterNames() {
    return List.copyOf(clusters.keySet());
  }

  /**
   * A user of this customer's own workspace; Slack Connect channels also hold the vendor's people.
   */
  public boolean isOwnWorkspace(Actor.SlackUser user) {
    return teamId.equals(user.teamId());
  }
}
