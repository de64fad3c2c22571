package dev.latchkey.storage;

import dev.latchkey.core.AuditAction;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Part of verifying the audit chain: the recording a {@code session.ended} event hashes must be the
 * one stored, so a recording changed, cut or added to after its session ended shows at that event.
 * One instance per verification, inside its snapshot.
 */
final class RecordingCheck {
  private static final String SESSION_ENDED = AuditAction.SESSION_ENDED.eventName();

  /** Parts fetched per round trip: a recording is hashed as it streams by, never held whole. */
  private static final int FETCH = 16;

  private final Handle handle;

  /** Whether the schema has recordings at all (a database verified before migration V6 has not). */
  private Boolean stored;

  RecordingCheck(Handle handle) {
    this.handle = handle;
  }

  /** What is wrong with the recording that {@code row} hashes, if it hashes one. */
  Optional<String> problem(AuditChain.Row row) {
    if (!SESSION_ENDED.equals(row.content().action())) {
      return Optional.empty();
    }
    Map<String, String> details = AuditJson.details(row.content().details());
    String expected = details.get("recording_sha256");
    if (expected == null) {
      return Optional.empty();
    }
    String session = details.get("session");
    if (session == null) {
      return Optional.of("the event records a recording's SHA-256 but names no session");
    }
    String recorded =
        Optional.ofNullable(details.get("recording_bytes")).map(b -> b + " bytes").orElse("it");
    Parts parts = read(session);
    if (parts.count() == 0 && !parts.sha256().equals(expected)) {
      return Optional.of(
          "the recording of session "
              + session
              + " is missing: no part of it is stored (the event records "
              + recorded
              + ")");
    }
    if (!parts.sha256().equals(expected)) {
      return Optional.of(
          "the recording of session "
              + session
              + " does not match the SHA-256 in this event: "
              + parts.bytes()
              + " bytes in "
              + parts.count()
              + " parts are stored, the event records "
              + recorded
              + " (a part was changed, removed or added)");
    }
    return Optional.empty();
  }

  private Parts read(String session) {
    MessageDigest digest = sha256();
    long[] totals = new long[2];
    if (hasRecordings()) {
      handle
          .createQuery("SELECT content FROM recording_parts WHERE session_id = :id ORDER BY seq")
          .bind("id", session)
          .setFetchSize(FETCH)
          .mapTo(byte[].class)
          .forEach(
              part -> {
                digest.update(part);
                totals[0]++;
                totals[1] += part.length;
              });
    }
    return new Parts(totals[0], totals[1], HexFormat.of().formatHex(digest.digest()));
  }

  private boolean hasRecordings() {
    if (stored == null) {
      stored =
          handle
                  .createQuery(
                      "SELECT COUNT(*) FROM information_schema.tables "
                          + "WHERE LOWER(table_name) = 'recording_parts'")
                  .mapTo(Long.class)
                  .one()
              > 0;
    }
    return stored;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private record Parts(long count, long bytes, String sha256) {}
}
