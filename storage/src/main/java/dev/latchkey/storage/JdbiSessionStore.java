package dev.latchkey.storage;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamSession;
import java.io.ByteArrayOutputStream;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's records in tables {@code session_log}, {@code gateway_sessions} and {@code
 * recording_parts}. Opening and closing a session write its row and its audit event in one
 * transaction, taking the session's row before the chain's head, as request updates take theirs.
 */
final class JdbiSessionStore implements SessionStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbiSessionStore.class);

  /** SQLSTATEs of a foreign key that names no row: PostgreSQL's, and H2's own. */
  private static final List<String> FOREIGN_KEY_VIOLATION = List.of("23503", "23506");

  private static final String INSERT_LINE =
      "INSERT INTO session_log ("
          + SessionRows.LINE_COLUMNS
          + ") VALUES (:request_id, :at, :line_order, :customer, :cluster, :verb, :resource,"
          + " :namespace, :name, :subresource, :command, :container, :tty, :status, :bytes,"
          + " :duration_nanos, :refusal, :session_id)";

  private static final String INSERT_SESSION =
      "INSERT INTO gateway_sessions (id, request_id, customer, cluster, kind, namespace, pod,"
          + " container, command, tty, started_at) VALUES (:id, :request_id, :customer, :cluster,"
          + " :kind, :namespace, :pod, :container, :command, :tty, :started_at)";

  private static final String CLOSE_SESSION =
      "UPDATE gateway_sessions SET ended_at = :ended_at, cause = :cause, bytes_from_client ="
          + " :bytes_from_client, bytes_from_server = :bytes_from_server, recording_bytes ="
          + " :recording_bytes, recording_sha256 = :recording_sha256 WHERE id = :id AND ended_at IS"
          + " NULL";

  /**
   * Takes the session's row for parts {@code first} to {@code last}: only while it is open and only
   * after the last part stored. The row lock also makes a close wait for parts being written, and
   * parts wait for a close.
   */
  private static final String CLAIM_PARTS =
      "UPDATE gateway_sessions SET last_part = :last WHERE id = :id AND ended_at IS NULL AND"
          + " (last_part IS NULL OR last_part < :first)";

  private static final String INSERT_PART =
      "INSERT INTO recording_parts (session_id, seq, content) VALUES (:id, :seq, :content)";

  private final Sql sql;
  private final AuditChain chain;

  /**
   * Orders the lines of one instant as they were given; lines of different instants sort by time.
   */
  private final AtomicLong lineOrder = new AtomicLong();

  JdbiSessionStore(Sql sql, AuditChain chain) {
    this.sql = sql;
    this.chain = chain;
    sql.registerRowMapper(ActivityLine.class, new SessionRows.LineMapper());
    sql.registerRowMapper(SessionRecord.class, new SessionRows.SessionMapper());
  }

  @Override
  public void log(List<ActivityLine> lines) {
    if (lines.isEmpty()) {
      return;
    }
    long first = lineOrder.getAndAdd(lines.size());
    sql.inTransaction(
        "append " + lines.size() + " session-log lines",
        h -> {
          PreparedBatch batch = h.prepareBatch(INSERT_LINE);
          for (int i = 0; i < lines.size(); i++) {
            SessionRows.bindLine(batch, lines.get(i), first + i).add();
          }
          return batch.execute();
        });
  }

  @Override
  public void open(StreamSession session, AuditEvent started) {
    String what = "open session " + session.id() + " of " + session.requestId();
    List<StoredAuditEvent> stored;
    try {
      stored =
          sql.inTransaction(
              what,
              h -> {
                if (exists(h, session.id())) {
                  return List.of();
                }
                SessionRows.bindSession(h.createUpdate(INSERT_SESSION), session).execute();
                return chain.append(h, List.of(started));
              });
    } catch (StoreException e) {
      if (Sql.isUniqueViolation(e) && exists(session.id())) {
        return; // a concurrent open of the same session won; its event is in the chain
      }
      if (isForeignKeyViolation(e)) {
        throw new StoreException(
            "could not " + what + ": request " + session.requestId() + " does not exist",
            e.getCause());
      }
      throw e;
    }
    chain.committed(stored);
  }

  @Override
  public void appendRecording(SessionId id, long sequence, byte[] part) {
    appendRecording(id, sequence, List.of(part));
  }

  /** One transaction for all the parts: a busy stream's recording is one commit per store. */
  @Override
  public void appendRecording(SessionId id, long firstSequence, List<byte[]> parts) {
    String what =
        parts.size() == 1
            ? "append part " + firstSequence + " to the recording of session " + id
            : "append parts "
                + firstSequence
                + " to "
                + (firstSequence + parts.size() - 1)
                + " to the recording of session "
                + id;
    if (firstSequence < 0) {
      throw new StoreException("could not " + what + ": a part's sequence is never negative");
    }
    for (byte[] part : parts) {
      if (part.length > MAX_PART_BYTES) {
        throw new StoreException(
            "could not "
                + what
                + (parts.size() == 1 ? ": it holds " : ": a part holds ")
                + part.length
                + " bytes, more than the "
                + MAX_PART_BYTES
                + " a part may hold");
      }
    }
    if (parts.isEmpty()) {
      return;
    }
    sql.inTransaction(
        what,
        h -> {
          int claimed =
              h.createUpdate(CLAIM_PARTS)
                  .bind("id", id.value())
                  .bind("first", firstSequence)
                  .bind("last", firstSequence + parts.size() - 1)
                  .execute();
          if (claimed == 0) {
            throw new StoreException("could not " + what + ": " + whyNoPart(h, id));
          }
          PreparedBatch insert = h.prepareBatch(INSERT_PART);
          long sequence = firstSequence;
          for (byte[] part : parts) {
            insert.bind("id", id.value()).bind("seq", sequence++).bind("content", part).add();
          }
          insert.execute();
          return parts.size();
        });
  }

  @Override
  public void close(SessionId id, SessionEnd end, AuditEvent ended) {
    List<StoredAuditEvent> stored =
        sql.inTransaction(
            "close session " + id,
            h -> {
              int closed =
                  SessionRows.bindEnd(h.createUpdate(CLOSE_SESSION), end)
                      .bind("id", id.value())
                      .execute();
              if (closed == 0) {
                if (!exists(h, id)) {
                  LOG.warn("session {} was never opened here; its end is not recorded", id);
                }
                return List.<StoredAuditEvent>of();
              }
              return chain.append(h, List.of(ended));
            });
    chain.committed(stored);
  }

  @Override
  public List<ActivityLine> activity(RequestId id, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return sql.list(
        "read the session log of " + id,
        "SELECT "
            + SessionRows.LINE_COLUMNS
            + " FROM session_log WHERE request_id = :id ORDER BY at DESC, line_order DESC LIMIT"
            + " :limit",
        Map.of("id", id, "limit", limit),
        ActivityLine.class);
  }

  @Override
  public List<SessionRecord> sessions(RequestId id) {
    return sql.list(
        "read the sessions of " + id,
        "SELECT "
            + SessionRows.SESSION_COLUMNS
            + " FROM gateway_sessions WHERE request_id = :id ORDER BY started_at, id",
        Map.of("id", id),
        SessionRecord.class);
  }

  @Override
  public Optional<byte[]> recording(SessionId id) {
    return sql.withHandle(
        "read the recording of session " + id,
        h -> {
          if (!exists(h, id)) {
            return Optional.empty();
          }
          ByteArrayOutputStream joined = new ByteArrayOutputStream();
          h.createQuery("SELECT content FROM recording_parts WHERE session_id = :id ORDER BY seq")
              .bind("id", id.value())
              .mapTo(byte[].class)
              .forEach(joined::writeBytes);
          return Optional.of(joined.toByteArray());
        });
  }

  @Override
  public Optional<SessionRecord> session(SessionId id) {
    return sql.withHandle(
        "read session " + id,
        h ->
            h.createQuery(
                    "SELECT "
                        + SessionRows.SESSION_COLUMNS
                        + " FROM gateway_sessions WHERE id = :id")
                .bind("id", id.value())
                .mapTo(SessionRecord.class)
                .findOne());
  }

  @Override
  public List<LogCount> logCounts(RequestId id) {
    return sql.withHandle(
        "count the session log of " + id,
        h ->
            h.createQuery(
                    "SELECT verb, resource, subresource, status, refusal IS NOT NULL AS refused,"
                        + " COUNT(*) AS lines FROM session_log WHERE request_id = :id"
                        + " GROUP BY verb, resource, subresource, status, refusal IS NOT NULL")
                .bind("id", id.value())
                .map(
                    (rs, ctx) ->
                        new LogCount(
                            rs.getString("verb"),
                            rs.getString("resource"),
                            new Columns(rs, ctx).optional("subresource", String.class),
                            rs.getInt("status"),
                            rs.getBoolean("refused"),
                            rs.getLong("lines")))
                .list());
  }

  /** Why {@link #CLAIM_PARTS} changed nothing, in words for the log of the session that ends. */
  private static String whyNoPart(Handle h, SessionId id) {
    return h.createQuery("SELECT ended_at, last_part FROM gateway_sessions WHERE id = :id")
        .bind("id", id.value())
        .map(
            (rs, ctx) -> {
              rs.getLong("ended_at");
              if (!rs.wasNull()) {
                return "the session has ended; its recording takes no more parts";
              }
              return "it does not come after part "
                  + rs.getLong("last_part")
                  + " (parts are written once, in order)";
            })
        .findOne()
        .orElse("there is no such session (it was never opened)");
  }

  private boolean exists(SessionId id) {
    try {
      return sql.withHandle("look for session " + id, h -> exists(h, id));
    } catch (StoreException e) {
      return false;
    }
  }

  private static boolean exists(Handle h, SessionId id) {
    return Sql.exists(h, "SELECT COUNT(*) FROM gateway_sessions WHERE id = :id", Map.of("id", id));
  }

  private static boolean isForeignKeyViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && FOREIGN_KEY_VIOLATION.contains(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }
}
