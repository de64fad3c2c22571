package dev.latchkey.storage;

import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.Update;

/**
 * Appends events to the hash chain inside a caller's transaction, and wakes forwarding once that
 * transaction has committed. Appends are serialized by a row lock on {@code audit_head}, which
 * holds across threads and across processes sharing one database, until the appending transaction
 * ends: events therefore commit in sequence order.
 */
final class AuditChain {
  static final String COLUMNS =
      "seq, at, actor, customer, request_id, action, result, details, prev_hash, hash";

  private final Runnable onCommit;

  /**
   * {@code onCommit} runs after a transaction that appended events has committed; it must not
   * block.
   */
  AuditChain(Runnable onCommit) {
    this.onCommit = onCommit;
  }

  /**
   * Appends {@code events} in order; must run inside a transaction, which holds the chain's lock
   * until it ends.
   */
  List<StoredAuditEvent> append(Handle handle, List<AuditEvent> events) {
    if (events.isEmpty()) {
      return List.of();
    }
    Head head =
        handle
            .createQuery("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
            .map((rs, ctx) -> new Head(rs.getLong("seq"), rs.getString("hash")))
            .one();
    long seq = head.seq();
    String previous = head.hash();
    List<StoredAuditEvent> stored = new ArrayList<>(events.size());
    for (AuditEvent event : events) {
      seq++;
      AuditCanonicalForm.Content content = AuditCanonicalForm.Content.of(seq, event);
      String hash = AuditCanonicalForm.hash(previous, AuditCanonicalForm.canonical(content));
      Update insert =
          handle
              .createUpdate(
                  "INSERT INTO audit_events ("
                      + COLUMNS
                      + ") VALUES (:seq, :at, :actor, :customer, :request_id, :action, :result,"
                      + " :details, :prev_hash, :hash)")
              .bind("seq", seq)
              .bind("at", content.at())
              .bind("actor", content.actor())
              .bind("action", content.action())
              .bind("result", content.result())
              .bind("details", content.details())
              .bind("prev_hash", previous)
              .bind("hash", hash);
      Sql.bindOptional(insert, "customer", Optional.ofNullable(content.customer()), String.class);
      Sql.bindOptional(
          insert, "request_id", Optional.ofNullable(content.requestId()), String.class);
      insert.execute();
      stored.add(new StoredAuditEvent(seq, event, previous, hash));
      previous = hash;
    }
    handle
        .createUpdate("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1")
        .bind("seq", seq)
        .bind("hash", previous)
        .execute();
    return stored;
  }

  /**
   * Called after the transaction that appended {@code committed} has committed: forwarding reads
   * them from the table (a crash before it does loses nothing). Never blocks the caller.
   */
  void committed(List<StoredAuditEvent> committed) {
    if (!committed.isEmpty()) {
      onCommit.run();
    }
  }

  /** Reads a row written by {@link #append}. */
  static StoredAuditEvent read(ResultSet rs, StatementContext ctx) throws SQLException {
    long seq = rs.getLong("seq");
    Columns c = new Columns(rs, ctx);
    try {
      AuditEvent event =
          new AuditEvent(
              // Audit times are ISO-8601 text, as hashed.
              Instant.parse(c.get("at", String.class)),
              c.get("actor", Actor.class),
              c.optional("customer", CustomerId.class),
              c.optional("request_id", RequestId.class),
              AuditJson.action(rs.getString("action")),
              AuditJson.result(rs.getString("result")),
              AuditJson.details(rs.getString("details")));
      return new StoredAuditEvent(seq, event, rs.getString("prev_hash"), rs.getString("hash"));
    } catch (RuntimeException e) {
      throw new StoreException("audit event " + seq + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** A row as stored, unparsed: what verification hashes and forwarding writes. */
  record Row(AuditCanonicalForm.Content content, String previousHash, String hash) {
    static Row read(ResultSet rs) throws SQLException {
      return new Row(
          new AuditCanonicalForm.Content(
              rs.getLong("seq"),
              rs.getString("at"),
              rs.getString("actor"),
              rs.getString("customer"),
              rs.getString("request_id"),
              rs.getString("action"),
              rs.getString("result"),
              rs.getString("details")),
          rs.getString("prev_hash"),
          rs.getString("hash"));
    }

    long seq() {
      return content.seq();
    }
  }

  record Head(long seq, String hash) {}
}
