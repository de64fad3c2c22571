package dev.latchkey.core.port;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamSession;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's records: every replica writes here, so each sees every session, and nothing is lost
 * with a pod. Opening and closing a session commit its audit event in the same transaction.
 */
public interface SessionStore {

  /** Appends session-log lines (in the order given). */
  void log(List<ActivityLine> lines);

  /** Records a session as opened, with its {@code session.started} event. */
  void open(StreamSession session, AuditEvent started);

  /**
   * Appends the next part of a session's recording (asciicast v2 lines, UTF-8). Throws when it
   * cannot be written: the gateway then ends the session, so nothing passes unrecorded.
   */
  void appendRecording(SessionId id, long sequence, byte[] part);

  /**
   * Records how a session ended, with its {@code session.ended} event; a second close is ignored.
   */
  void close(SessionId id, SessionEnd end, AuditEvent ended);

  /** The newest session-log lines of a grant, newest first. */
  List<ActivityLine> activity(RequestId id, int limit);

  /** A grant's sessions with how each ended (empty while open), oldest first. */
  List<SessionRecord> sessions(RequestId id);

  /** A session's whole recording, its parts joined in order. */
  Optional<byte[]> recording(SessionId id);

  /** A session as stored: how it opened and, once it has, how it ended. */
  record SessionRecord(StreamSession session, Optional<SessionEnd> end) {}
}
