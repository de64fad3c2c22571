package dev.latchkey.core.request;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Transition;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.grant.Endings;
import dev.latchkey.core.grant.GrantExecutor;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.rules.PendingWindow;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The requester withdraws a pending request. */
public final class CancelRequest {
  private final Transition transition;
  private final AuditLog audit;
  private final GrantExecutor grants;
  private final Clock clock;

  public CancelRequest(Transition transition, AuditLog audit, GrantExecutor grants, Clock clock) {
    this.transition = transition;
    this.audit = audit;
    this.grants = grants;
    this.clock = clock;
  }

  public Result cancel(RequestId id, Actor.SlackUser actor) {
    Optional<AccessRequest> found = transition.find(id);
    if (found.isEmpty()) {
      return new Result.NotFound(id.value());
    }
    return transition.run(
        found.get(),
        r -> {
          Instant now = clock.instant();
          if (!r.requester().is(actor)) {
            audit.append(AuditEvents.cancelRefused(r, now, actor));
            return Transition.stop(new Result.Refused(Refusal.of(Refusal.Reason.NOT_REQUESTER)));
          }
          if (r.state() != RequestState.PENDING) {
            return Transition.stop(new Result.AlreadyDecided(r));
          }
          if (PendingWindow.passed(r, now)) {
            AccessRequest timedOut =
                grants
                    .commit(Endings.timedOut(r, now))
                    .orElseGet(() -> transition.find(r.id()).orElse(r));
            return Transition.stop(new Result.AlreadyDecided(timedOut));
          }
          return Transition.commit(
              r.withState(RequestState.CANCELLED).withEnd(now, actor),
              List.of(AuditEvents.cancelled(r, now, actor)),
              Result.Cancelled::new);
        });
  }

  /** What a cancel did. */
  public sealed interface Result {
    record Cancelled(AccessRequest request) implements Result {}

    /** Only the requester can cancel (audited). */
    record Refused(Refusal refusal) implements Result {}

    /** Decided, timed out or cancelled already; the request as it now stands. */
    record AlreadyDecided(AccessRequest request) implements Result {}

    record NotFound(String typedId) implements Result {}
  }
}
