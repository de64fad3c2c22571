package dev.latchkey.storage;

import java.time.Instant;

/**
 * Slack deliveries already handled, in table {@code seen_deliveries}, shared by every process on
 * the database and kept across restarts. Which keys a delivery has and how long they are kept is
 * the Slack adapter's business; this only answers "seen before?" atomically and forgets old keys.
 */
public final class SeenDeliveries {
  /** The longest key stored; the caller shortens longer ones (e.g. to a hash). */
  public static final int MAX_KEY_LENGTH = 200;

  private final Sql sql;

  SeenDeliveries(Sql sql) {
    this.sql = sql;
  }

  /**
   * Records {@code key} as seen at {@code at} and says whether it was already recorded. Atomic
   * across threads and processes: of several callers with one key, exactly one is told "not seen".
   */
  public boolean seenBefore(String key, Instant at) {
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "a delivery key must have 1 to " + MAX_KEY_LENGTH + " characters");
    }
    Sql.requireNoNul("record a Slack delivery", "delivery_key", key);
    try {
      sql.withHandle(
          "record a Slack delivery",
          h ->
              h.createUpdate(
                      "INSERT INTO seen_deliveries (delivery_key, seen_at) VALUES (:key, :at)")
                  .bind("key", key)
                  .bind("at", at)
                  .execute());
      return false;
    } catch (StoreException e) {
      if (Sql.isUniqueViolation(e)) {
        return true;
      }
      throw e;
    }
  }

  /** Forgets the deliveries seen before {@code cutoff}; returns how many. */
  public int forgetBefore(Instant cutoff) {
    return sql.withHandle(
        "forget old Slack deliveries",
        h ->
            h.createUpdate("DELETE FROM seen_deliveries WHERE seen_at < :cutoff")
                .bind("cutoff", cutoff)
                .execute());
  }
}
