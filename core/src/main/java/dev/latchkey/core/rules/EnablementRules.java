package dev.latchkey.core.rules;

import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import java.util.Optional;

/** Whether support access is switched on for a role of a cluster right now. */
public final class EnablementRules {
  private EnablementRules() {}

  public static Optional<Refusal> refusal(
      ClusterEnablement state, ClusterRef cluster, String role) {
    if (!state.enabled()) {
      return Optional.of(
          Refusal.of(Refusal.Reason.CLUSTER_DISABLED).with(Fact.CLUSTER, cluster.name()));
    }
    if (!state.roles().contains(role)) {
      return Optional.of(
          Refusal.of(Refusal.Reason.ROLE_NOT_ENABLED)
              .with(Fact.ROLE, role)
              .with(Fact.CLUSTER, cluster.name())
              .with(
                  Fact.ENABLED_ROLES, String.join(", ", state.roles().stream().sorted().toList())));
    }
    return Optional.empty();
  }
}
