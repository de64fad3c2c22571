package dev.latchkey.core.access;

import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ClusterAccess.RoleCheck;
import dev.latchkey.core.rules.ReachRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a role's ClusterRole is usable on its cluster: present, for readonly unable to read
 * Secrets, and on a cluster where Latchkey runs not reaching Latchkey's own pod. Asked on {@code
 * /access enable} and, for every enabled role, at start-up.
 */
public final class RoleChecks {
  private final ClusterSettings settings;
  private final ClusterAccess clusters;

  public RoleChecks(ClusterSettings settings, ClusterAccess clusters) {
    this.settings = settings;
    this.clusters = clusters;
  }

  public Optional<Refusal> problem(ClusterRef cluster, RoleDefinition role) {
    return switch (clusters.checkRole(cluster, role.clusterRole())) {
      case RoleCheck.Missing missing ->
          Optional.of(
              Refusal.of(Refusal.Reason.ROLE_MISSING_IN_CLUSTER)
                  .with(Fact.CLUSTER_ROLE, role.clusterRole())
                  .with(Fact.ROLE, role.name())
                  .with(Fact.CLUSTER, cluster.name()));
      case RoleCheck.Present present
          when present.readsSecrets() && role.name().equals(RoleDefinition.READONLY) ->
          Optional.of(
              Refusal.of(Refusal.Reason.ROLE_GRANTS_SECRETS)
                  .with(Fact.CLUSTER_ROLE, role.clusterRole())
                  .with(Fact.CLUSTER, cluster.name()));
      case RoleCheck.Present present ->
          settings
              .policy(cluster)
              .flatMap(policy -> ReachRules.refusal(policy, role, present.reaches()));
      case RoleCheck.Unavailable unavailable ->
          Optional.of(
              Refusal.of(Refusal.Reason.CLUSTER_UNREACHABLE)
                  .with(Fact.CLUSTER, cluster.name())
                  .with(Fact.ERROR, unavailable.message()));
    };
  }

  /** Problems with the roles enabled right now on every cluster (checked at start-up). */
  public List<Refusal> enabledRoleProblems() {
    List<Refusal> problems = new ArrayList<>();
    for (ClusterPolicy policy : settings.customers().allClusters()) {
      ClusterEnablement state = settings.enablement(policy.cluster());
      if (!state.enabled()) {
        continue;
      }
      for (String name : state.roles()) {
        policy.role(name).flatMap(role -> problem(policy.cluster(), role)).ifPresent(problems::add);
      }
    }
    return problems;
  }
}
