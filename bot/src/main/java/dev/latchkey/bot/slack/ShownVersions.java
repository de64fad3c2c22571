package dev.latchkey.bot.slack;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.CardStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versions cards were seen to show, written to the {@link CardStore} together every {@code
 * flushDelay} rather than one transaction per card: a crash in between only makes the next repair
 * pass update those cards again. A write that fails is kept and tried again {@code retryDelay}
 * later.
 */
final class ShownVersions {
  private static final Logger log = LoggerFactory.getLogger(ShownVersions.class);

  private final CardStore cards;
  private final ScheduledExecutorService timer;
  private final Duration flushDelay;
  private final Duration retryDelay;
  private final Map<RequestId, Long> pending = new ConcurrentHashMap<>();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();

  ShownVersions(
      CardStore cards, ScheduledExecutorService timer, Duration flushDelay, Duration retryDelay) {
    this.cards = cards;
    this.timer = timer;
    this.flushDelay = flushDelay;
    this.retryDelay = retryDelay;
  }

  /**
   * The version the card of {@code id} is known to show (recorded, or about to be); -1 without a
   * card.
   */
  long shown(RequestId id) {
    return Math.max(cards.shownVersion(id).orElse(-1), pending.getOrDefault(id, -1L));
  }

  /** The card of {@code id} shows {@code version}: recorded with the next flush. */
  void note(RequestId id, long version) {
    pending.merge(id, version, Math::max);
    if (flushScheduled.compareAndSet(false, true)) {
      try {
        timer.schedule(this::flush, flushDelay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        flushScheduled.set(false);
        flush();
      }
    }
  }

  /** Writes the versions noted since the last flush; what fails is kept for the next one. */
  void flush() {
    flushScheduled.set(false);
    Map<RequestId, Long> batch = new HashMap<>(pending);
    if (batch.isEmpty()) {
      return;
    }
    try {
      cards.markShownAll(batch);
      batch.forEach(pending::remove); // only those not moved on meanwhile
    } catch (RuntimeException e) {
      log.warn(
          "could not note the versions {} cards show; will try again: {}",
          batch.size(),
          e.toString());
      if (flushScheduled.compareAndSet(false, true)) {
        try {
          timer.schedule(this::flush, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException rejected) {
          flushScheduled.set(false);
        }
      }
    }
  }
}
