package dev.latchkey.storage;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

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
        sql.inTransaction(
            "append audit event " + event.action().eventName(),
            h -> chain.append(h, List.of(event)));
    chain.committed(stored);
  }

  @Override
  public List<StoredAuditEvent> forRequest(RequestId id) {
    return sql.list(
        "read the audit events of " + id,
        "SELECT " + AuditChain.COLUMNS + " FROM audit_events WHERE request_id = :id ORDER BY seq",
        Map.of("id", id),
        AuditChain::read);
  }

  @Override
  public List<StoredAuditEvent> recent(CustomerId customer, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return sql.list(
        "read the recent audit events of " + customer,
        "SELECT "
            + AuditChain.COLUMNS
            + " FROM audit_events WHERE customer = :customer ORDER BY seq DESC LIMIT :limit",
        Map.of("customer", customer, "limit", limit),
        AuditChain::read);
  }

  @Override
  public ChainCheck verify() {
    return verification().check();
  }

  @Override
  public ChainHead head() {
    return sql.withHandle("read the audit chain head", JdbiAuditLog::head);
  }

  /**
   * Walks the chain in one snapshot, from the first event to the chain head, and reports the first
   * event that is missing, altered, unlinked or outside the chain, or whose session recording is
   * not the one it hashes, together with the head it checked against. Every recording is read, so
   * the cost also grows with their size.
   */
  AuditVerification verification() {
    return sql.inSnapshot(
        "verify the audit chain",
        h -> {
          ChainHead head = head(h);
          return new AuditVerification(head, walk(h, head, strictFrom(h), new RecordingCheck(h)));
        });
  }

  private static ChainCheck walk(
      Handle h, ChainHead head, long strictFrom, RecordingCheck recordings) {
    long expected = 1;
    String previous = AuditCanonicalForm.GENESIS;
    while (expected <= head.sequence()) {
      List<AuditChain.Row> page =
          h.createQuery(
                  "SELECT "
                      + AuditChain.COLUMNS
                      + " FROM audit_events "
                      + "WHERE seq >= :from AND seq <= :to ORDER BY seq LIMIT :limit")
              .bind("from", expected)
              .bind("to", head.sequence())
              .bind("limit", VERIFY_PAGE)
              .map((rs, ctx) -> AuditChain.Row.read(rs))
              .list();
      if (page.isEmpty()) {
        return missing(expected, head.sequence());
      }
      for (AuditChain.Row row : page) {
        if (row.seq() != expected) {
          return new ChainCheck.Broken(
              expected,
              "sequence gap: event "
                  + expected
                  + " is missing (the next event is "
                  + row.seq()
                  + ")");
        }
        Optional<String> problem = contentProblem(row, strictFrom);
        if (problem.isPresent()) {
          return new ChainCheck.Broken(row.seq(), problem.get());
        }
        if (!row.previousHash().equals(previous)) {
          return new ChainCheck.Broken(
              row.seq(),
              row.seq() == 1
                  ? "previous hash of the first event is not the genesis value"
                  : "previous hash does not match event " + (row.seq() - 1));
        }
        // Parts are read after the events: a session's parts are all committed before its end is.
        Optional<String> recording = recordings.problem(row);
        if (recording.isPresent()) {
          return new ChainCheck.Broken(row.seq(), recording.get());
        }
        previous = row.hash();
        expected++;
      }
    }
    Long stray =
        h.createQuery("SELECT MIN(seq) FROM audit_events WHERE seq < 1 OR seq > :head")
            .bind("head", head.sequence())
            .mapTo(Long.class)
            .one();
    if (stray != null) {
      return new ChainCheck.Broken(
          stray,
          "event "
              + stray
              + " is not part of the chain (the chain head records "
              + head.sequence()
              + " events)");
    }
    if (!previous.equals(head.hash())) {
      return new ChainCheck.Broken(
          head.sequence(),
          "the chain head records another hash for event "
              + head.sequence()
              + " (the last event was altered)");
    }
    return new ChainCheck.Intact(head.sequence());
  }

  /** Whether the row's hash covers exactly its stored content, in the one form Latchkey writes. */
  private static Optional<String> contentProblem(AuditChain.Row row, long strictFrom) {
    String canonical = AuditCanonicalForm.canonical(row.content());
    String hash;
    if (row.seq() >= strictFrom) {
      try {
        hash = AuditCanonicalForm.hash(row.previousHash(), canonical);
      } catch (IllegalArgumentException e) {
        return Optional.of("content cannot be hashed: " + e.getMessage());
      }
    } else {
      hash = AuditCanonicalForm.legacyHash(row.previousHash(), canonical);
    }
    if (!hash.equals(row.hash())) {
      return Optional.of("hash does not match content");
    }
    return AuditCanonicalForm.detailsFormProblem(row.content().details())
        .map(p -> "content cannot be read: " + p);
  }

  /**
   * The head, read in a statement that also reads the events: H2 takes a repeatable-read snapshot
   * of each table when a statement first reads it, so in a verification reading the head alone
   * would let an append committed before the events are first read look like an event beyond the
   * head.
   */
  private static ChainHead head(Handle h) {
    return h.createQuery(
            "SELECT seq, hash, (SELECT COUNT(*) FROM audit_events WHERE seq < 0) AS stray "
                + "FROM audit_head WHERE id = 1")
        .map((rs, ctx) -> new ChainHead(rs.getLong("seq"), rs.getString("hash")))
        .one();
  }

  /**
   * The first sequence number hashed over its exact bytes (see migration V2). A database not yet
   * migrated to V2 (opened read-only to verify it) holds only rows written the earlier way.
   */
  private static long strictFrom(Handle h) {
    boolean migrated =
        h.createQuery(
                    "SELECT COUNT(*) FROM information_schema.tables "
                        + "WHERE LOWER(table_name) = 'audit_format'")
                .mapTo(Long.class)
                .one()
            > 0;
    if (!migrated) {
      return Long.MAX_VALUE;
    }
    // Without its row (deleted by hand) every row must meet the strict rule.
    return h.createQuery("SELECT strict_from FROM audit_format WHERE id = 1")
        .mapTo(Long.class)
        .findOne()
        .orElse(1L);
  }

  private static ChainCheck missing(long expected, long headSeq) {
    return new ChainCheck.Broken(
        expected,
        expected == headSeq
            ? "sequence gap: event "
                + expected
                + " is missing (the chain head records "
                + headSeq
                + " events)"
            : "sequence gap: events "
                + expected
                + " to "
                + headSeq
                + " are missing (the chain head records "
                + headSeq
                + " events)");
  }
}
