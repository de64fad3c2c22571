package dev.latchkey.core.session;

import dev.latchkey.core.port.SessionStore;
import java.util.List;

/** Appends the gateway's session-log lines of API requests, forwarded or refused. */
public final class LogActivity {
  private final SessionStore sessions;

  public LogActivity(SessionStore sessions) {
    this.sessions = sessions;
  }

  public void log(List<ActivityLine> lines) {
    if (!lines.isEmpty()) {
      sessions.log(lines);
    }
  }
}
