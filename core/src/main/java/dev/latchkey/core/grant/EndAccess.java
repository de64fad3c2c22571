package dev.latchkey.core.grant;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.Transition;
import dev.latchkey.core.audit.AuditEvents;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ends access now (a revoke, {@code disable --now}, or a binding deleted outside Latchkey):
 * APPROVED or ACTIVE becomes REVOKED in the records first, then the grant is removed, retried until
 * done.
 */
public final class EndAccess {
  private final Transition transition;
  private final GrantExecutor grants;
  private final Clock clock;

  public EndAccess(Transition transition, GrantExecutor grants, Clock clock) {
    this.transition = transition;
    this.grants = grants;
    this.clock = clock;
  }

  /**
   * Revokes {@code start} by {@code actor}, recording {@code before} (e.g. what reconciliation
   * noticed) in the same transaction; the request as it stands after the removal attempt, or empty
   * when it had already ended.
   */
  public Optional<AccessRequest> end(
      AccessRequest start, Actor actor, Map<String, String> details, List<AuditEvent> before) {
    return transition.run(
        start,
        r -> {
          if (!r.state().holdsAccess()) {
            return Transition.stop(Optional.empty());
          }
          Instant now = clock.instant();
          List<AuditEvent> events = new ArrayList<>(before);
          events.add(AuditEvents.revoked(r, now, actor, details));
          return Transition.commit(
              Endings.revoked(r, now, actor), events, stored -> Optional.of(grants.remove(stored)));
        });
  }
}
