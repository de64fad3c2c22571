package dev.latchkey.core.grant;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.rules.EnablementRules;
import java.util.List;
import java.util.Optional;

/**
 * What the cluster must hold for a request, as pure functions of the request and its cluster's
 * policy: the objects a grant creates, where they are once made, and why an approved request must
 * not be granted after all.
 */
public final class GrantPlanner {
  private GrantPlanner() {}

  /** The objects an approved request needs. */
  public static ClusterAccess.Grant desiredGrant(AccessRequest r, ClusterPolicy policy) {
    RoleDefinition role =
        policy
            .role(r.role())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "role " + r.role() + " is no longer offered on " + r.cluster()));
    Subject subject = Subject.of(r.id(), r.credentials(), r.requester(), policy.subjectTemplate());
    List<String> approvers = r.approvals().stream().map(a -> a.approver().audit()).toList();
    return new ClusterAccess.Grant(
        r.id(),
        r.cluster(),
        role.clusterRole(),
        r.scope(),
        subject,
        r.expiresAt().orElseThrow(),
        approvers,
        r.reason());
  }

  /** Where a request's objects are, from what it was granted with (never changed afterwards). */
  public static ClusterAccess.Footprint footprint(AccessRequest r) {
    return new ClusterAccess.Footprint(
        r.cluster(), r.id(), r.scope(), r.credentials().usesServiceAccount());
  }

  /**
   * Why an approved request must not be granted after all: its cluster or role is no longer
   * configured, or support access was disabled since the approval (a {@code disable} racing the
   * approval must not be outrun by the grant). The text is recorded as the request's failure.
   */
  public static Optional<String> blocked(
      AccessRequest r, Optional<ClusterPolicy> policy, ClusterEnablement enablement) {
    if (policy.isEmpty()) {
      return Optional.of("cluster " + r.cluster().name() + " is no longer configured");
    }
    if (policy.get().role(r.role()).isEmpty()) {
      return Optional.of("role " + r.role() + " is no longer offered on " + r.cluster().name());
    }
    return EnablementRules.refusal(enablement, r.cluster(), r.role())
        .map(refusal -> "not granted: " + GrantFailures.disabled(refusal));
  }

  /** How a subject is named in the audit trail. */
  public static String describe(Subject subject) {
    return switch (subject) {
      case Subject.ServiceAccount sa -> "ServiceAccount " + sa.namespace() + "/" + sa.name();
      case Subject.User user -> "User " + user.name();
    };
  }
}
