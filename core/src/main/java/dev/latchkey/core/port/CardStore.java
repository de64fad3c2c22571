package dev.latchkey.core.port;

import dev.latchkey.core.RequestId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where each request's card lives in Slack, and which request version it last showed, so cards are
 * updated in place (never reposted) and an update that failed or was cut short by a crash is made
 * later.
 */
public interface CardStore {

  /** Records the posted card; a second save for the same request keeps the first. */
  void save(RequestId id, CardRef card);

  Optional<CardRef> find(RequestId id);

  /** The request whose card is this message (for replies in the card's thread). */
  Optional<RequestId> findByMessage(String channelId, String ts);

  /** The request version the card last showed; empty while it has no card. */
  OptionalLong shownVersion(RequestId id);

  /** Notes that the card now shows {@code version}; never lowers what is recorded. */
  void markShown(RequestId id, long version);

  /** {@link #markShown} for several cards, in one transaction. */
  void markShownAll(Map<RequestId, Long> versions);

  /**
   * Requests whose card is missing or shows an older version than the stored request, oldest change
   * first. Requests that ended more than a day ago without ever getting a card are left out.
   */
  List<RequestId> findOutOfDate(int limit);

  /** A posted Slack message: channel id and message timestamp. */
  record CardRef(String channelId, String ts) {}
}
