package dev.latchkey.core.session;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.port.SessionStore.SessionRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What a request's card shows of its gateway sessions: the open ones while access lasts, a summary
 * once it has ended. The card is the channel's, so this asks for no one's role; it never includes a
 * recording.
 */
public final class GrantSessions {
  private final SessionStore sessions;

  public GrantSessions(SessionStore sessions) {
    this.sessions = sessions;
  }

  /** The grant's sessions that have not ended, the oldest first (one cheap read). */
  public List<StreamSession> open(RequestId id) {
    return sessions.sessions(id).stream()
        .filter(s -> s.end().isEmpty())
        .map(SessionRecord::session)
        .sorted(Comparator.comparing(StreamSession::startedAt))
        .toList();
  }

  /** Every session of the grant, the oldest first, and its API requests counted. */
  public Summary summary(RequestId id) {
    return new Summary(sessions.sessions(id), RequestTotals.of(sessions.logCounts(id)));
  }

  /** A grant's sessions (oldest first) and requests. */
  public record Summary(List<SessionRecord> sessions, RequestTotals requests) {
    public Summary {
      sessions = List.copyOf(sessions);
      Objects.requireNonNull(requests, "requests");
    }

    public long open() {
      return sessions.stream().filter(s -> s.end().isEmpty()).count();
    }
  }
}
