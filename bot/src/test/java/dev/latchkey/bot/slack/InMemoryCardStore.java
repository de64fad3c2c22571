package dev.latchkey.bot.slack;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.CardStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Cards in maps, with the same contract as the database one: out of date = missing or older than
 * the request.
 */
final class InMemoryCardStore implements CardStore {
  private final Map<RequestId, CardRef> cards = new HashMap<>();
  private final Map<RequestId, Long> shown = new HashMap<>();
  private final Supplier<Collection<AccessRequest>> allRequests;
  private final Clock clock;
  private int saves;

  InMemoryCardStore(Supplier<Collection<AccessRequest>> allRequests, Clock clock) {
    this.allRequests = allRequests;
    this.clock = clock;
  }

  @Override
  public synchronized void save(RequestId id, CardRef card) {
    saves++;
    cards.putIfAbsent(id, card);
  }

  @Override
  public synchronized Optional<CardRef> find(RequestId id) {
    return Optional.ofNullable(cards.get(id));
  }

  @Override
  public synchronized Optional<RequestId> findByMessage(String channelId, String ts) {
    return cards.entrySet().stream()
        .filter(e -> e.getValue().channelId().equals(channelId) && e.getValue().ts().equals(ts))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  @Override
  public synchronized void markShown(RequestId id, long version) {
    if (cards.containsKey(id)) {
      shown.merge(id, version, Math::max);
    }
  }

  @Override
  public synchronized List<RequestId> findOutOfDate(int limit) {
    var cutoff = clock.instant().minus(Duration.ofDays(1));
    return allRequests.get().stream()
        .filter(
            r ->
                cards.containsKey(r.id())
                    ? shown.getOrDefault(r.id(), -1L) < r.version()
                    : !r.state().isFinal() || r.endedAt().map(e -> e.isAfter(cutoff)).orElse(true))
        .sorted(Comparator.comparing(AccessRequest::createdAt))
        .map(AccessRequest::id)
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized void markShownAll(Map<RequestId, Long> versions) {
    versions.forEach(this::markShown);
  }

  @Override
  public synchronized java.util.OptionalLong shownVersion(RequestId id) {
    return cards.containsKey(id)
        ? java.util.OptionalLong.of(shown.getOrDefault(id, -1L))
        : java.util.OptionalLong.empty();
  }

  synchronized int saves() {
    return saves;
  }
}
