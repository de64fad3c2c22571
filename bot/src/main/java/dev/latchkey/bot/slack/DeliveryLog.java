package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Instant;
import java.util.function.BiPredicate;
import java.util.function.ToIntFunction;

/**
 * Where Slack deliveries already handled are kept, so one delivered again is recognised: the
 * database (every replica and the next start see it) or, without one, this process's memory.
 */
public interface DeliveryLog {
  /**
   * Records {@code key} as seen at {@code at} and says whether it was recorded before; atomic: of
   * several callers with one key, one is told it is new.
   */
  boolean seenBefore(String key, Instant at);

  /** Forgets the keys seen before {@code cutoff}; returns how many. */
  int forgetBefore(Instant cutoff);

  /** A log made of two functions, e.g. a store's methods. */
  static DeliveryLog of(BiPredicate<String, Instant> seenBefore, ToIntFunction<Instant> forget) {
    return new DeliveryLog() {
      @Override
      public boolean seenBefore(String key, Instant at) {
        return seenBefore.test(key, at);
      }

      @Override
      public int forgetBefore(Instant cutoff) {
        return forget.applyAsInt(cutoff);
      }
    };
  }

  /** This process's memory only (what a restart forgets), bounded in size. */
  static DeliveryLog inMemory() {
    Cache<String, Instant> seen = Caffeine.newBuilder().maximumSize(200_000).build();
    return of(
        (key, at) -> seen.asMap().putIfAbsent(key, at) != null,
        cutoff -> {
          int before = seen.asMap().size();
          seen.asMap().values().removeIf(at -> at.isBefore(cutoff));
          return before - seen.asMap().size();
        });
  }
}
