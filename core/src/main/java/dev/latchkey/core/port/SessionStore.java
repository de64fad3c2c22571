package dev.latchkey.core.port;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamSession;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway's records: every replica writes here, so each sees every session, and nothing is lost
 * with a pod. Opening and closing a session commit its audit event in the same transaction.
 */
public interface SessionStore {

  /**
   * Appends session-log lines (in the order given). A store may shorten long text fields, so that
   * no line a client shapes can grow without bound.
   */
  void log(List<ActivityLine> lines);

  /**
   * Records a session as opened, with its {@code session.started} event; a second open of the same
   * id is ignored.
   */
  void open(StreamSession session, AuditEvent started);

  /**
   * The largest recording part a store takes, in bytes: a recorder flushes before it is reached.
   */
  int MAX_PART_BYTES = 64 * 1024;

  /**
   * Appends the next part of a session's recording (asciicast v2 lines, UTF-8). Throws when it
   * cannot be written: the gateway then ends the session, so nothing passes unrecorded.
   *
   * <p>{@code sequence} orders the parts: zero or more, each greater than the one before, so a part
   * is written once. An ended session takes no more parts, so the hash its {@code session.ended}
   * event records stays true. A part holds at most {@link #MAX_PART_BYTES}.
   */
  void appendRecording(SessionId id, long sequence, byte[] part);

  /**
   * Appends several parts at once, numbered from {@code firstSequence}, as {@link
   * #appendRecording(SessionId, long, byte[])} appends one. A store that can takes them in one
   * transaction (the database does: a busy stream's recording is then one commit per store rather
   * than one per 64 KiB), so either all of them are kept or, when it throws, none.
   */
  default void appendRecording(SessionId id, long firstSequence, List<byte[]> parts) {
    long sequence = firstSequence;
    for (byte[] part : parts) {
      appendRecording(id, sequence++, part);
    }
  }

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

  /** A session as stored, whichever grant it belongs to. */
  Optional<SessionRecord> session(SessionId id);

  /**
   * How many session-log lines a grant has, grouped by what they asked (verb, resource,
   * subresource) and how they were answered (status, and whether the gateway refused them itself),
   * in no particular order.
   */
  List<LogCount> logCounts(RequestId id);

  /** A session as stored: how it opened and, once it has, how it ended. */
  record SessionRecord(StreamSession session, Optional<SessionEnd> end) {}

  /** One group of a grant's session-log lines and how many lines it holds. */
  record LogCount(
      String verb,
      String resource,
      Optional<String> subresource,
      int status,
      boolean refusedByGateway,
      long count) {
    public LogCount {
      Objects.requireNonNull(verb, "verb");
      Objects.requireNonNull(resource, "resource");
      Objects.requireNonNull(subresource, "subresource");
    }
  }
}
