package dev.latchkey.core.access;

import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.rules.ApproverCheck;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A customer admin or approver turns support access on for some roles of a cluster (readonly when
 * none is named; operator implies readonly), after checking each role's ClusterRole on the cluster.
 * A disable that lands while the roles are checked wins.
 */
public final class EnableSupportAccess {
  private final ClusterSettings settings;
  private final AuditLog audit;
  private final ApproverCheck approvers;
  private final RoleChecks roles;
  private final Clock clock;

  public EnableSupportAccess(
      ClusterSettings settings,
      AuditLog audit,
      ApproverCheck approvers,
      RoleChecks roles,
      Clock clock) {
    this.settings = settings;
    this.audit = audit;
    this.approvers = approvers;
    this.roles = roles;
    this.clock = clock;
  }

  public Result enable(ClusterRef cluster, Actor.SlackUser actor, Set<String> asked) {
    Instant now = clock.instant();
    Optional<ClusterPolicy> policy = settings.policy(cluster);
    if (policy.isEmpty()) {
      return refused(
          cluster,
          actor,
          Refusal.of(Refusal.Reason.UNKNOWN_CLUSTER).with(Fact.CLUSTER, cluster.name()));
    }
    Optional<Refusal> notAllowed = approvers.admin(cluster.customer(), actor);
    if (notAllowed.isPresent()) {
      return refused(cluster, actor, notAllowed.get());
    }
    // Read before the role checks, which ask the cluster and take time: a disable landing
    // meanwhile must win.
    Optional<ClusterEnablement> before = settings.enablements().find(cluster);
    Set<String> wanted =
        new LinkedHashSet<>(asked.isEmpty() ? Set.of(RoleDefinition.READONLY) : asked);
    if (wanted.contains(RoleDefinition.OPERATOR)
        && policy.get().role(RoleDefinition.READONLY).isPresent()) {
      wanted.add(RoleDefinition.READONLY);
    }
    for (String name : wanted) {
      Optional<RoleDefinition> role = policy.get().role(name);
      if (role.isEmpty()) {
        return refused(
            cluster,
            actor,
            Refusal.of(Refusal.Reason.UNKNOWN_ROLE)
                .with(Fact.ROLE, name)
                .with(Fact.CLUSTER, cluster.name())
                .with(Fact.ROLES, String.join(", ", policy.get().roles().keySet())));
      }
      Optional<Refusal> problem = roles.problem(cluster, role.get());
      if (problem.isPresent()) {
        return refused(cluster, actor, problem.get());
      }
    }
    ClusterEnablement next =
        new ClusterEnablement(cluster, true, wanted, Optional.of(now), Optional.of(actor));
    boolean saved =
        settings
            .enablements()
            .saveIf(before, next, AuditEvents.clusterEnabled(cluster, now, actor, wanted));
    if (!saved) {
      return refused(
          cluster,
          actor,
          Refusal.of(Refusal.Reason.CHANGED_MEANWHILE).with(Fact.CLUSTER, cluster.name()));
    }
    return new Result.Enabled(next);
  }

  private Result refused(ClusterRef cluster, Actor actor, Refusal refusal) {
    audit.append(
        AuditEvents.clusterChangeRefused(cluster, clock.instant(), actor, refusal.reason(), true));
    return new Result.Refused(refusal);
  }

  /** What enabling did. */
  public sealed interface Result {
    record Enabled(ClusterEnablement enablement) implements Result {}

    record Refused(Refusal refusal) implements Result {}
  }
}
