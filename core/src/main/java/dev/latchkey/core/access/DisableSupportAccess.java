package dev.latchkey.core.access;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.grant.EndAccess;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.rules.ApproverCheck;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A customer admin or approver stops new requests on a cluster; with {@code --now} every grant on
 * it is revoked too.
 */
public final class DisableSupportAccess {
  private final ClusterSettings settings;
  private final RequestStore requests;
  private final AuditLog audit;
  private final ApproverCheck approvers;
  private final EndAccess endAccess;
  private final Clock clock;

  public DisableSupportAccess(
      ClusterSettings settings,
      RequestStore requests,
      AuditLog audit,
      ApproverCheck approvers,
      EndAccess endAccess,
      Clock clock) {
    this.settings = settings;
    this.requests = requests;
    this.audit = audit;
    this.approvers = approvers;
    this.endAccess = endAccess;
    this.clock = clock;
  }

  public Result disable(ClusterRef cluster, Actor.SlackUser actor, boolean revokeNow) {
    Instant at = clock.instant();
    if (settings.policy(cluster).isEmpty()) {
      return refused(
          cluster,
          actor,
          Refusal.of(Refusal.Reason.UNKNOWN_CLUSTER).with(Fact.CLUSTER, cluster.name()));
    }
    Optional<Refusal> notAllowed = approvers.admin(cluster.customer(), actor);
    if (notAllowed.isPresent()) {
      return refused(cluster, actor, notAllowed.get());
    }
    ClusterEnablement next =
        new ClusterEnablement(cluster, false, Set.of(), Optional.of(at), Optional.of(actor));
    settings.enablements().save(next, AuditEvents.clusterDisabled(cluster, at, actor, revokeNow));
    List<AccessRequest> revoked = new ArrayList<>();
    if (revokeNow) {
      for (AccessRequest r : requests.findHoldingAccess(cluster)) {
        if (r.kind() == RequestKind.ACCESS) {
          endAccess
              .end(r, actor, Map.of("cause", "cluster disabled"), List.of())
              .ifPresent(revoked::add);
        }
      }
    }
    return new Result.Disabled(next, revoked);
  }

  private Result refused(ClusterRef cluster, Actor actor, Refusal refusal) {
    audit.append(
        AuditEvents.clusterChangeRefused(cluster, clock.instant(), actor, refusal.reason(), false));
    return new Result.Refused(refusal);
  }

  /** What disabling did. */
  public sealed interface Result {
    /** The new state, and the grants that {@code --now} revoked. */
    record Disabled(ClusterEnablement enablement, List<AccessRequest> revoked) implements Result {
      public Disabled {
        revoked = List.copyOf(revoked);
      }
    }

    record Refused(Refusal refusal) implements Result {}
  }
}
