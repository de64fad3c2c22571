package dev.latchkey.gateway;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.Admission;
import dev.latchkey.core.session.AdmitConnection;
import dev.latchkey.core.session.SessionEnd;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes every connection of a grant that may no longer pass. Run every few hundred milliseconds:
 * it asks the records (shared by every replica) about every grant with an open connection, so a
 * grant ended anywhere is cut here too; it also cuts at a grant's known end and at each token's own
 * expiry by the clock alone, should the records not answer.
 */
final class GrantCutter implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(GrantCutter.class);
  private static final Duration FORGET_AFTER = Duration.ofHours(1);

  private final ConnectionRegistry registry;
  private final AdmitConnection admit;
  private final EndCauses causes;
  private final Clock clock;

  GrantCutter(ConnectionRegistry registry, AdmitConnection admit, EndCauses causes, Clock clock) {
    this.registry = registry;
    this.admit = admit;
    this.causes = causes;
    this.clock = clock;
  }

  @Override
  public void run() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.warn("checking open gateway sessions failed: {}", e.toString());
    }
  }

  void sweep() {
    Map<RequestId, ClusterRef> open = registry.openGrants();
    if (!open.isEmpty()) {
      Map<RequestId, Admission> verdicts;
      try {
        verdicts = admit.admitAll(open);
      } catch (RuntimeException e) {
        log.warn("the records did not answer about open gateway sessions: {}", e.toString());
        verdicts = Map.of();
      }
      Instant now = clock.instant();
      Map<RequestId, Admission.Reason> refused = new HashMap<>();
      verdicts.forEach(
          (id, verdict) -> {
            if (verdict instanceof Admission.Refused r) {
              refused.put(id, r.reason());
            }
          });
      Map<RequestId, SessionEnd.Cause> ended = refused.isEmpty() ? Map.of() : causes.of(refused);
      for (RequestId id : open.keySet()) {
        Admission verdict = verdicts.get(id);
        if (verdict instanceof Admission.Refused) {
          cut(id, ended.getOrDefault(id, SessionEnd.Cause.GRANT_ENDED));
        } else if (verdict instanceof Admission.Admitted admitted) {
          registry.refreshEnd(id, admitted.grant().endsAt());
        } else if (registry.endsAt(id).filter(end -> !end.isAfter(now)).isPresent()) {
          cut(id, SessionEnd.Cause.EXPIRED);
        }
      }
    }
    Instant now = clock.instant();
    for (ConnectionRegistry.Connection connection : registry.all()) {
      if (!connection.tokenExpiresAt().isAfter(now)) {
        connection.cut(
            SessionEnd.Cause.TOKEN_EXPIRED,
            EndCauses.line(connection.grant(), SessionEnd.Cause.TOKEN_EXPIRED));
      }
    }
    registry.forgetEndedBefore(now.minus(FORGET_AFTER));
  }

  /** Ends a grant here: refuses it from now on and closes each of its connections. */
  void cut(RequestId id, SessionEnd.Cause cause) {
    var connections = registry.end(id, cause, clock.instant());
    if (!connections.isEmpty()) {
      log.info("cutting {} connection(s) of {}: {}", connections.size(), id, cause);
    }
    String line = EndCauses.line(id, cause);
    for (ConnectionRegistry.Connection connection : connections) {
      connection.cut(cause, line);
    }
  }
}
