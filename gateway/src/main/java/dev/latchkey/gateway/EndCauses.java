package dev.latchkey.gateway;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.session.Admission;
import dev.latchkey.core.session.SessionEnd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Why a grant may no longer pass, as a session's end cause and the words a person reads. */
final class EndCauses {
  private static final Logger log = LoggerFactory.getLogger(EndCauses.class);
  private final RequestStore requests;

  EndCauses(RequestStore requests) {
    this.requests = requests;
  }

  /**
   * The cause for a refusal. Reads the request (blocking: call it off the I/O threads) to tell an
   * expiry from a revocation.
   */
  SessionEnd.Cause of(RequestId id, Admission.Reason reason) {
    return switch (reason) {
      case ENDED -> SessionEnd.Cause.EXPIRED;
      case NOT_ACTIVE -> {
        try {
          yield requests.find(id).map(r -> cause(r.state())).orElse(SessionEnd.Cause.GRANT_ENDED);
        } catch (RuntimeException e) {
          log.warn("could not read how {} ended: {}", id, e.getMessage());
          yield SessionEnd.Cause.GRANT_ENDED;
        }
      }
      case UNKNOWN_GRANT, WRONG_CLUSTER, NOT_GATEWAY_MODE -> SessionEnd.Cause.GRANT_ENDED;
    };
  }

  /**
   * The causes for many refusals at once (what the cutter finds in one sweep), with one read of the
   * records for all of those no longer active, so a mass expiry is told in one query.
   */
  Map<RequestId, SessionEnd.Cause> of(Map<RequestId, Admission.Reason> refused) {
    Map<RequestId, SessionEnd.Cause> causes = new HashMap<>();
    List<RequestId> notActive = new ArrayList<>();
    refused.forEach(
        (id, reason) -> {
          if (reason == Admission.Reason.NOT_ACTIVE) {
            notActive.add(id);
            causes.put(id, SessionEnd.Cause.GRANT_ENDED);
          } else {
            causes.put(id, of(id, reason));
          }
        });
    if (!notActive.isEmpty()) {
      try {
        for (AccessRequest request : requests.findAll(notActive)) {
          causes.put(request.id(), cause(request.state()));
        }
      } catch (RuntimeException e) {
        log.warn("could not read how {} grants ended: {}", notActive.size(), e.getMessage());
      }
    }
    return causes;
  }

  private static SessionEnd.Cause cause(RequestState state) {
    return switch (state) {
      case EXPIRED -> SessionEnd.Cause.EXPIRED;
      case REVOKED -> SessionEnd.Cause.REVOKED;
      default -> SessionEnd.Cause.GRANT_ENDED;
    };
  }

  /** The last line a client is shown: {@code access ar-… ended: revoked}. */
  static String line(RequestId id, SessionEnd.Cause cause) {
    return switch (cause) {
      case EXPIRED -> "access " + id + " ended: expired";
      case REVOKED -> "access " + id + " ended: revoked";
      case TOKEN_EXPIRED -> "access " + id + " ended: its token expired";
      case GATEWAY_STOPPING -> "access " + id + ": session closed, Latchkey is stopping";
      case RECORDING_FAILED -> "access " + id + ": session ended, it could not be recorded";
      case RECORDING_FULL -> "access " + id + ": session ended, its recording is full";
      default -> "access " + id + " ended";
    };
  }

  /** What the gateway answers a grant the records refuse. */
  static String refusal(RequestId id, Admission.Reason reason, SessionEnd.Cause cause) {
    return switch (reason) {
      case UNKNOWN_GRANT -> "access " + id + " is not known to Latchkey";
      case WRONG_CLUSTER -> "access " + id + " is for another cluster";
      case NOT_GATEWAY_MODE -> "access " + id + " does not go through the gateway";
      case NOT_ACTIVE, ENDED -> line(id, cause);
    };
  }
}
