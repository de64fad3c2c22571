package dev.latchkey.storage;

import dev.latchkey.core.PlainText;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.SessionStore.SessionRecord;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Columns of tables {@code session_log} and {@code gateway_sessions}, and the caps on what one row
 * holds: text a client shapes (paths, commands) is stored as plain text and cut to its column's
 * size, the cut marked with an ellipsis.
 */
final class SessionRows {
  static final int VERB = 32;
  static final int RESOURCE = 256;

  /** Kubernetes' longest object name; also for namespaces, pods and containers. */
  static final int NAME = 253;

  static final int SUBRESOURCE = 64;
  static final int REFUSAL = 512;

  /** A command's arguments as a JSON array, in characters. */
  static final int COMMAND = 4096;

  static final char ELLIPSIS = '\u2026';

  static final String LINE_COLUMNS =
      "request_id, at, line_order, customer, cluster, verb, resource, namespace, name,"
          + " subresource, command, container, tty, status, bytes, duration_nanos, refusal,"
          + " session_id";

  static final String SESSION_COLUMNS =
      "id, request_id, customer, cluster, kind, namespace, pod, container, command, tty,"
          + " started_at, ended_at, cause, bytes_from_client, bytes_from_server, recording_bytes,"
          + " recording_sha256";

  /** {@code ,"…"}: what marking a cut command takes at most after the arguments kept whole. */
  private static final int MARK = 4;

  private SessionRows() {}

  static <S extends SqlStatement<S>> S bindLine(S s, ActivityLine line, long order) {
    s.bind("request_id", line.requestId())
        .bind("at", line.at())
        .bind("line_order", order)
        .bind("customer", line.cluster().customer())
        .bind("cluster", line.cluster().name())
        .bind("verb", capped(line.verb(), VERB))
        .bind("resource", capped(line.resource(), RESOURCE))
        .bind("command", command(line.command()))
        .bind("tty", line.tty())
        .bind("status", line.status())
        .bind("bytes", line.bytes())
        .bind("duration_nanos", line.duration().toNanos());
    text(s, "namespace", line.namespace().map(t -> capped(t, NAME)));
    text(s, "name", line.name().map(t -> capped(t, NAME)));
    text(s, "subresource", line.subresource().map(t -> capped(t, SUBRESOURCE)));
    text(s, "container", line.container().map(t -> capped(t, NAME)));
    text(s, "refusal", line.refusal().map(t -> capped(t, REFUSAL)));
    Sql.bindOptional(s, "session_id", line.session(), SessionId.class);
    return s;
  }

  static <S extends SqlStatement<S>> S bindSession(S s, StreamSession session) {
    s.bind("id", session.id())
        .bind("request_id", session.requestId())
        .bind("customer", session.cluster().customer())
        .bind("cluster", session.cluster().name())
        .bind("kind", session.kind())
        .bind("namespace", capped(session.namespace(), NAME))
        .bind("pod", capped(session.pod(), NAME))
        .bind("command", command(session.command()))
        .bind("tty", session.tty())
        .bind("started_at", session.startedAt());
    text(s, "container", session.container().map(t -> capped(t, NAME)));
    return s;
  }

  static <S extends SqlStatement<S>> S bindEnd(S s, SessionEnd end) {
    s.bind("ended_at", end.endedAt())
        .bind("cause", end.cause())
        .bind("bytes_from_client", end.bytesFromClient())
        .bind("bytes_from_server", end.bytesFromServer())
        .bind("recording_bytes", end.recordingBytes());
    text(s, "recording_sha256", end.recordingSha256());
    return s;
  }

  /**
   * Binds text or NULL by the one type, so every row of a batch binds the column alike (a batch
   * takes its binder from the first row).
   */
  private static <S extends SqlStatement<S>> void text(S s, String name, Optional<String> value) {
    Sql.bindOptional(s, name, value, String.class);
  }

  /**
   * {@code text} as plain text (characters that are not replaced by U+FFFD) and at most {@code max}
   * characters, the last of them an ellipsis when it was cut.
   */
  static String capped(String text, int max) {
    String plain = PlainText.clean(text);
    return plain.length() <= max ? plain : prefix(plain, max - 1) + ELLIPSIS;
  }

  /**
   * The arguments as a JSON array of at most {@link #COMMAND} characters: whole arguments while
   * they fit, then the first that does not, cut and ending in an ellipsis; later ones are dropped.
   */
  static String command(List<String> command) {
    List<String> plain = command.stream().map(PlainText::clean).toList();
    String whole = ColumnTypes.texts(plain);
    if (whole.length() <= COMMAND) {
      return whole;
    }
    int limit = COMMAND - 1; // the closing bracket
    int used = 1; // the opening bracket
    List<String> kept = new ArrayList<>();
    for (String arg : plain) {
      int separator = kept.isEmpty() ? 0 : 1;
      int quoted = JsonText.quoted(arg).length();
      if (used + separator + quoted + MARK <= limit) {
        kept.add(arg);
        used += separator + quoted;
        continue;
      }
      // At least MARK is left, so the ellipsis alone always fits.
      int room = limit - used - separator;
      int keep = Math.min(arg.length(), room);
      String cut = prefix(arg, keep) + ELLIPSIS;
      while (JsonText.quoted(cut).length() > room) {
        keep -= Math.max(1, JsonText.quoted(cut).length() - room);
        cut = prefix(arg, Math.max(0, keep)) + ELLIPSIS;
      }
      kept.add(cut);
      break;
    }
    return ColumnTypes.texts(kept);
  }

  /** The first {@code length} characters, one fewer if that would split a surrogate pair. */
  private static String prefix(String text, int length) {
    int end = length;
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  /** Reads a {@code session_log} row. */
  static final class LineMapper implements RowMapper<ActivityLine> {
    @Override
    public ActivityLine map(ResultSet rs, StatementContext ctx) throws SQLException {
      String request = rs.getString("request_id");
      Columns c = new Columns(rs, ctx);
      try {
        return new ActivityLine(
            c.get("at", Instant.class),
            c.get("request_id", RequestId.class),
            c.cluster(),
            c.get("verb", String.class),
            c.get("resource", String.class),
            c.optional("namespace", String.class),
            c.optional("name", String.class),
            c.optional("subresource", String.class),
            c.get("command", ColumnTypes.TEXTS),
            c.optional("container", String.class),
            rs.getBoolean("tty"),
            rs.getInt("status"),
            rs.getLong("bytes"),
            Duration.ofNanos(rs.getLong("duration_nanos")),
            c.optional("refusal", String.class),
            c.optional("session_id", SessionId.class));
      } catch (RuntimeException e) {
        throw new StoreException(
            "a session-log line of " + request + " cannot be read: " + e.getMessage(), e);
      }
    }
  }

  /** Reads a {@code gateway_sessions} row: the session, and how it ended once it has. */
  static final class SessionMapper implements RowMapper<SessionRecord> {
    @Override
    public SessionRecord map(ResultSet rs, StatementContext ctx) throws SQLException {
      String id = rs.getString("id");
      Columns c = new Columns(rs, ctx);
      try {
        StreamSession session =
            new StreamSession(
                c.get("id", SessionId.class),
                c.get("request_id", RequestId.class),
                c.cluster(),
                c.get("kind", StreamKind.class),
                c.get("namespace", String.class),
                c.get("pod", String.class),
                c.optional("container", String.class),
                c.get("command", ColumnTypes.TEXTS),
                rs.getBoolean("tty"),
                c.get("started_at", Instant.class));
        Optional<Instant> endedAt = c.optional("ended_at", Instant.class);
        Optional<SessionEnd> end = Optional.empty();
        if (endedAt.isPresent()) {
          end =
              Optional.of(
                  new SessionEnd(
                      endedAt.get(),
                      c.get("cause", SessionEnd.Cause.class),
                      rs.getLong("bytes_from_client"),
                      rs.getLong("bytes_from_server"),
                      rs.getLong("recording_bytes"),
                      c.optional("recording_sha256", String.class)));
        }
        return new SessionRecord(session, end);
      } catch (RuntimeException e) {
        throw new StoreException("session " + id + " cannot be read: " + e.getMessage(), e);
      }
    }
  }
}
