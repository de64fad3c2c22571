package dev.latchkey.core.session;

import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.SessionStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Records that a stream of a grant opened through the gateway ({@code session.started}), before the
 * first byte passes: a session that cannot be recorded does not start. The notifier hears of it
 * once it is stored, so the card can show the session as open.
 */
public final class OpenSession {
  private final SessionStore sessions;
  private final Notifier notifier;

  public OpenSession(SessionStore sessions, Notifier notifier) {
    this.sessions = sessions;
    this.notifier = notifier;
  }

  public void open(StreamSession session) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("session", session.id().value());
    details.put("cluster", session.cluster().name());
    details.put("kind", session.kind().name().toLowerCase(java.util.Locale.ROOT));
    details.put("namespace", session.namespace());
    details.put("pod", AuditEvent.storable(session.pod()));
    session.container().ifPresent(c -> details.put("container", AuditEvent.storable(c)));
    if (!session.command().isEmpty()) {
      details.put("command", AuditEvent.storable(String.join(" ", session.command())));
    }
    details.put("tty", Boolean.toString(session.tty()));
    AuditEvent started =
        new AuditEvent(
            session.startedAt(),
            Actor.SYSTEM,
            Optional.of(session.cluster().customer()),
            Optional.of(session.requestId()),
            AuditAction.SESSION_STARTED,
            AuditResult.OK,
            details);
    sessions.open(session, started);
    notifier.sessionsChanged(session.requestId());
  }
}
