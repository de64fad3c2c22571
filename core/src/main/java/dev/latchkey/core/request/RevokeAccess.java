package dev.latchkey.core.request;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Transition;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.grant.EndAccess;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.rules.ApproverCheck;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The requester or an approver of the customer ends access now; the removal from the cluster is
 * retried until done.
 */
public final class RevokeAccess {
  private final Transition transition;
  private final AuditLog audit;
  private final ApproverCheck approvers;
  private final EndAccess endAccess;
  private final Clock clock;

  public RevokeAccess(
      Transition transition,
      AuditLog audit,
      ApproverCheck approvers,
      EndAccess endAccess,
      Clock clock) {
    this.transition = transition;
    this.audit = audit;
    this.approvers = approvers;
    this.endAccess = endAccess;
    this.clock = clock;
  }

  public Result revoke(RequestId id, Actor.SlackUser actor) {
    Optional<AccessRequest> found = transition.find(id);
    if (found.isEmpty()) {
      return new Result.NotFound(id.value());
    }
    AccessRequest r = found.get();
    if (!r.requester().is(actor)) {
      Optional<Refusal> notApprover = approvers.approver(r.cluster().customer(), actor);
      if (notApprover.isPresent()) {
        audit.append(
            AuditEvents.revokeRefused(r, clock.instant(), actor, notApprover.get().reason()));
        return new Result.Refused(
            notApprover.get().reason() == Refusal.Reason.APPROVER_UNVERIFIED
                ? notApprover.get()
                : Refusal.of(Refusal.Reason.NOT_ALLOWED));
      }
    }
    if (r.kind() != RequestKind.ACCESS || r.state() == RequestState.PENDING) {
      audit.append(AuditEvents.revokeRefused(r, clock.instant(), actor, Refusal.Reason.NOT_ACTIVE));
      Refusal notActive =
          Refusal.of(Refusal.Reason.NOT_ACTIVE)
              .with(Refusal.Fact.REQUEST, r.id().value())
              .with(Refusal.Fact.STATE, r.state().name());
      return new Result.Refused(
          r.extendsRequest()
              .map(extended -> notActive.with(Refusal.Fact.EXTENDS, extended.value()))
              .orElse(notActive));
    }
    return endAccess
        .end(r, actor, Map.of(), List.of())
        .<Result>map(Result.Revoked::new)
        .orElseGet(() -> new Result.AlreadyEnded(transition.find(id).orElseThrow()));
  }

  /** What a revoke did. */
  public sealed interface Result {
    /** Access ended; {@code request} as it stands after the removal attempt. */
    record Revoked(AccessRequest request) implements Result {}

    record Refused(Refusal refusal) implements Result {}

    /** Ended already (expired, revoked, failed); the request as it now stands. */
    record AlreadyEnded(AccessRequest request) implements Result {}

    record NotFound(String typedId) implements Result {}
  }
}
