package dev.latchkey.storage;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog;
import java.util.List;
import java.util.SortedMap;

/** The audit trail in table {@code audit_events}, chained by {@link AuditChain}. */
final class JdbiAuditLog implements AuditLog {
  /** Rows read per round trip while verifying. */
  private static final int VERIFY_PAGE = 1000;

  private final Sql sql;
  private final AuditChain chain;

  JdbiAuditLog(Sql sql, AuditChain chain) {
    this.sql = sql;
    this.chain = chain;
  }

  @Override
  public void append(AuditEvent event) {
    List<StoredAuditEvent> stored =
        sql.inTransaction("append audit event " + event.action().eventName(), h -> chain.append(h, List.of(event)));
    chain.forward(stored);
  }

  @Override
  public List<StoredAuditEvent> forRequest(RequestId id) {
    return sql.withHandle("read the audit events of " + id, h ->
        h.createQuery("SELECT " + AuditChain.COLUMNS + " FROM audit_events WHERE request_id = :id ORDER BY seq")
            .bind("id", id.value())
            .map((rs, ctx) -> AuditChain.read(rs))
            .list());
  }

  @Override
  public List<StoredAuditEvent> recent(CustomerId customer, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return sql.withHandle("read the recent audit events of " + customer, h ->
        h.createQuery("SELECT " + AuditChain.COLUMNS + " FROM audit_events WHERE customer = :customer "
                + "ORDER BY seq DESC LIMIT :limit")
            .bind("customer", customer.value())
            .bind("limit", limit)
            .map((rs, ctx) -> AuditChain.read(rs))
            .list());
  }

  /**
   * Walks the chain in one snapshot, from the first event to the chain head, and reports the first event that is
   * missing, altered, unlinked or outside the chain.
   */
  @Override
  public ChainCheck verify() {
    return sql.inSnapshot("verify the audit chain", h -> {
      AuditChain.Head head = h.createQuery("SELECT seq, hash FROM audit_head WHERE id = 1")
          .map((rs, ctx) -> new AuditChain.Head(rs.getLong("seq"), rs.getString("hash")))
          .one();
      long expected = 1;
      String previous = AuditJson.GENESIS;
      while (expected <= head.seq()) {
        List<Row> page = h.createQuery("SELECT " + AuditChain.COLUMNS + " FROM audit_events "
                + "WHERE seq >= :from AND seq <= :to ORDER BY seq LIMIT :limit")
            .bind("from", expected)
            .bind("to", head.seq())
            .bind("limit", VERIFY_PAGE)
            .map((rs, ctx) -> new Row(rs.getLong("seq"), rs.getString("at"), rs.getString("actor"),
                rs.getString("customer"), rs.getString("request_id"), rs.getString("action"),
                rs.getString("result"), rs.getString("details"), rs.getString("prev_hash"), rs.getString("hash")))
            .list();
        if (page.isEmpty()) {
          return missing(expected, head.seq());
        }
        for (Row row : page) {
          if (row.seq() != expected) {
            return new ChainCheck.Broken(expected,
                "sequence gap: event " + expected + " is missing (the next event is " + row.seq() + ")");
          }
          SortedMap<String, String> details;
          try {
            details = Codec.details(row.details());
          } catch (IllegalArgumentException e) {
            return new ChainCheck.Broken(row.seq(), "content cannot be read: " + e.getMessage());
          }
          String canonical = AuditJson.canonical(new AuditJson.Content(row.seq(), row.at(), row.actor(),
              row.customer(), row.requestId(), row.action(), row.result(), details));
          if (!AuditJson.hash(row.previousHash(), canonical).equals(row.hash())) {
            return new ChainCheck.Broken(row.seq(), "hash does not match content");
          }
          if (!row.previousHash().equals(previous)) {
            return new ChainCheck.Broken(row.seq(), row.seq() == 1
                ? "previous hash of the first event is not the genesis value"
                : "previous hash does not match event " + (row.seq() - 1));
          }
          previous = row.hash();
          expected++;
        }
      }
      Long stray = h.createQuery("SELECT MIN(seq) FROM audit_events WHERE seq < 1 OR seq > :head")
          .bind("head", head.seq())
          .mapTo(Long.class)
          .one();
      if (stray != null) {
        return new ChainCheck.Broken(stray,
            "event " + stray + " is not part of the chain (the chain head records " + head.seq() + " events)");
      }
      if (!previous.equals(head.hash())) {
        return new ChainCheck.Broken(head.seq(),
            "the chain head records another hash for event " + head.seq() + " (the last event was altered)");
      }
      return new ChainCheck.Intact(head.seq());
    });
  }

  private static ChainCheck missing(long expected, long headSeq) {
    return new ChainCheck.Broken(expected, expected == headSeq
        ? "sequence gap: event " + expected + " is missing (the chain head records " + headSeq + " events)"
        : "sequence gap: events " + expected + " to " + headSeq + " are missing (the chain head records "
            + headSeq + " events)");
  }

  private record Row(
      long seq, String at, String actor, String customer, String requestId, String action, String result,
      String details, String previousHash, String hash) {}
}
