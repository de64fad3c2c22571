package dev.latchkey.core.session;

import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.SessionStore;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Records how a gateway stream ended ({@code session.ended}, with why, how much passed, and the
 * recording's size and SHA-256), so the recording's hash enters the audit chain; then tells the
 * notifier, so the card stops showing the session as open.
 */
public final class CloseSession {
  private final SessionStore sessions;
  private final Notifier notifier;

  public CloseSession(SessionStore sessions, Notifier notifier) {
    this.sessions = sessions;
    this.notifier = notifier;
  }

  public void close(StreamSession session, SessionEnd end) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("session", session.id().value());
    details.put("cluster", session.cluster().name());
    details.put("kind", session.kind().name().toLowerCase(Locale.ROOT));
    details.put("cause", end.cause().name().toLowerCase(Locale.ROOT));
    details.put("bytes_from_client", Long.toString(end.bytesFromClient()));
    details.put("bytes_from_server", Long.toString(end.bytesFromServer()));
    if (session.kind().recorded()) {
      details.put("recording_bytes", Long.toString(end.recordingBytes()));
      end.recordingSha256().ifPresent(sha -> details.put("recording_sha256", sha));
    }
    AuditEvent ended =
        new AuditEvent(
            end.endedAt(),
            Actor.SYSTEM,
            Optional.of(session.cluster().customer()),
            Optional.of(session.requestId()),
            AuditAction.SESSION_ENDED,
            end.cause() == SessionEnd.Cause.RECORDING_FAILED
                    || end.cause() == SessionEnd.Cause.FAILED
                ? AuditResult.FAILED
                : AuditResult.OK,
            details);
    sessions.close(session.id(), end, ended);
    notifier.sessionsChanged(session.requestId());
  }
}
