package dev.latchkey.core.rules;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.Durations;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What an approval checks against the configuration as it stands then, not as it stood at
 * submission: a role since removed or shortened, namespaces no longer allowed or now protected, an
 * extension that would now end past the role's maximum. Such approvals are refused, never cut.
 */
public final class DecisionRules {
  private DecisionRules() {}

  /** Whether a pending request may still be approved under {@code policy}. */
  public static Optional<Refusal> stillApprovable(
      AccessRequest r, ClusterPolicy policy, Optional<RoleDefinition> role) {
    if (role.isEmpty()) {
      return Optional.of(
          Refusal.of(Refusal.Reason.UNKNOWN_ROLE)
              .with(Fact.ROLE, r.role())
              .with(Fact.CLUSTER, r.cluster().name()));
    }
    if (r.kind() == RequestKind.ACCESS && r.duration().compareTo(role.get().maxDuration()) > 0) {
      return Optional.of(
          Refusal.of(Refusal.Reason.DURATION_ABOVE_MAXIMUM)
              .with(Fact.ROLE, r.role())
              .with(Fact.MAXIMUM, Durations.format(role.get().maxDuration()))
              .with(Fact.ASKED, Durations.format(r.duration())));
    }
    List<String> allowed = policy.allowedNamespaces();
    if (r.scope() instanceof Scope.Namespaces asked
        && !allowed.isEmpty()
        && !allowed.containsAll(asked.names())) {
      return Optional.of(
          Refusal.of(Refusal.Reason.NAMESPACE_NOT_ALLOWED)
              .with(Fact.CLUSTER, r.cluster().name())
              .with(Fact.ALLOWED_NAMESPACES, String.join(", ", allowed)));
    }
    return ScopeRules.refusal(policy, role.get(), r.scope());
  }

  /** How many distinct approvers a request needs now: never fewer than when it was submitted. */
  public static int approvalsRequired(AccessRequest r, RoleDefinition role) {
    return Math.max(r.approvalsRequired(), role.approvalsRequired());
  }

  /**
   * An extension approved at {@code at} that would end at {@code end}: refused, never cut, when
   * that is more than the role's maximum from the approval (only a maximum lowered since the
   * extension was asked for can get here).
   */
  public static Optional<Refusal> extensionEnd(
      AccessRequest extension, RoleDefinition role, Instant at, Instant end) {
    if (!end.isAfter(at.plus(role.maxDuration()))) {
      return Optional.empty();
    }
    return Optional.of(
        Refusal.of(Refusal.Reason.DURATION_ABOVE_MAXIMUM)
            .with(Fact.ROLE, extension.role())
            .with(Fact.MAXIMUM, Durations.format(role.maxDuration()))
            .with(Fact.ENDS_AT, end.toString())
            .with(Fact.EXTENDS, extension.extendsRequest().orElseThrow().value()));
  }

  /** The window an approval at {@code at} opens for new access. */
  public static Instant accessEnd(AccessRequest r, Instant at) {
    return at.plus(r.duration());
  }

  /** The end an extension moves its original to. */
  public static Instant extendedEnd(Instant originalEnd, Duration more) {
    return originalEnd.plus(more);
  }
}
