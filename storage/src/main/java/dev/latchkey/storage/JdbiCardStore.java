package dev.latchkey.storage;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.CardStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Cards in table {@code cards}. Whether a request's card is behind is kept on the request row
 * itself ({@code card_outdated}, indexed with {@code changed_at}), so finding cards to repair does
 * not scan every request. A request write sets it; {@link #markShown} clears it once the card shows
 * the request's version.
 */
final class JdbiCardStore implements CardStore {
  /**
   * Requests that ended longer ago than this and never got a card are not worth a card any more.
   */
  static final Duration CARDLESS_CUTOFF = Duration.ofDays(1);

  private final Sql sql;
  private final Clock clock;

  JdbiCardStore(Sql sql, Clock clock) {
    this.sql = sql;
    this.clock = clock;
  }

  @Override
  public void save(RequestId id, CardRef card) {
    Sql.requireNoNul("store the card of " + id, "channel_id", card.channelId());
    Sql.requireNoNul("store the card of " + id, "ts", card.ts());
    try {
      sql.inTransaction(
          "store the card of " + id,
          h -> {
            if (!Sql.exists(
                h, "SELECT COUNT(*) FROM cards WHERE request_id = :id", Map.of("id", id))) {
              h.createUpdate(
                      "INSERT INTO cards (request_id, channel_id, ts, shown_version) "
                          + "VALUES (:id, :channel, :ts, -1)")
                  .bind("id", id.value())
                  .bind("channel", card.channelId())
                  .bind("ts", card.ts())
                  .execute();
            }
            return null;
          });
    } catch (StoreException e) {
      // Two saves raced: the first one's card stays.
      if (!Sql.isUniqueViolation(e) || find(id).isEmpty()) {
        throw e;
      }
    }
  }

  @Override
  public Optional<CardRef> find(RequestId id) {
    return sql.withHandle(
        "read the card of " + id,
        h ->
            h.createQuery("SELECT channel_id, ts FROM cards WHERE request_id = :id")
                .bind("id", id.value())
                .map((rs, ctx) -> new CardRef(rs.getString("channel_id"), rs.getString("ts")))
                .findOne());
  }

  @Override
  public Optional<RequestId> findByMessage(String channelId, String ts) {
    if (channelId.indexOf('\0') >= 0 || ts.indexOf('\0') >= 0) {
      return Optional
          .empty(); // no card is stored with a NUL, and the database must not be asked about one
    }
    return sql.withHandle(
        "find the request of message " + channelId + "/" + ts,
        h ->
            h.createQuery("SELECT request_id FROM cards WHERE channel_id = :channel AND ts = :ts")
                .bind("channel", channelId)
                .bind("ts", ts)
                .map((rs, ctx) -> new RequestId(rs.getString("request_id")))
                .findOne());
  }

  @Override
  public OptionalLong shownVersion(RequestId id) {
    return sql.withHandle(
        "read the version the card of " + id + " shows",
        h ->
            h.createQuery("SELECT shown_version FROM cards WHERE request_id = :id")
                .bind("id", id.value())
                .mapTo(Long.class)
                .findOne()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty()));
  }

  @Override
  public void markShown(RequestId id, long version) {
    markShownAll(Map.of(id, version));
  }

  @Override
  public void markShownAll(Map<RequestId, Long> versions) {
    if (versions.isEmpty()) {
      return;
    }
    // Rows in id order, as every transaction that touches several requests takes them: no deadlock
    // between two.
    List<Map.Entry<RequestId, Long>> byId =
        versions.entrySet().stream()
            .sorted(Map.Entry.comparingByKey(Comparator.comparing(RequestId::value)))
            .toList();
    sql.inTransaction(
        "note the versions " + versions.size() + " cards show",
        h -> {
          for (Map.Entry<RequestId, Long> shown : byId) {
            h.createUpdate(
                    "UPDATE cards SET shown_version = :version WHERE request_id = :id AND"
                        + " shown_version < :version")
                .bind("id", shown.getKey().value())
                .bind("version", shown.getValue())
                .execute();
            h.createUpdate(
                    "UPDATE requests SET card_outdated = FALSE WHERE id = :id AND card_outdated ="
                        + " TRUE AND version <= (SELECT shown_version FROM cards WHERE request_id ="
                        + " :id)")
                .bind("id", shown.getKey().value())
                .execute();
          }
          return null;
        });
  }

  @Override
  public List<RequestId> findOutOfDate(int limit) {
    if (limit <= 0) {
      return List.of();
    }
    Instant cutoff = clock.instant().minus(CARDLESS_CUTOFF);
    return sql.withHandle(
        "find out-of-date cards",
        h ->
            h.createQuery(
                    "SELECT r.id FROM requests r LEFT JOIN cards c ON c.request_id = r.id "
                        + "WHERE r.card_outdated = TRUE AND (c.request_id IS NOT NULL "
                        + "OR r.state IN ('PENDING', 'APPROVED', 'ACTIVE') "
                        + "OR COALESCE(r.ended_at, r.changed_at) >= :cutoff) "
                        + "ORDER BY r.changed_at, r.id LIMIT :limit")
                .bind("cutoff", cutoff)
                .bind("limit", limit)
                .map((rs, ctx) -> new RequestId(rs.getString("id")))
                .list());
  }
}
