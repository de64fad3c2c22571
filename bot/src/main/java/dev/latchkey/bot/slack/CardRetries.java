package dev.latchkey.bot.slack;

import dev.latchkey.core.Backoff;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * When cards may call Slack again after it failed: the next repair pass is scheduled after a
 * backoff, and never before the end of a Retry-After Slack gave (the longest one wins). Paced by
 * elapsed time from the ticker, not the domain clock: it decides nothing about requests.
 */
final class CardRetries {
  private final Backoff backoff;
  private final LongSupplier ticker;
  private final ScheduledExecutorService timer;
  private final Runnable pass;
  private final AtomicInteger consecutiveFailures = new AtomicInteger();

  /** No card call before this tick: the latest end of a Retry-After Slack gave. */
  private final AtomicLong notBefore;

  private final Object lock = new Object();
  private ScheduledFuture<?> retry;
  private long retryAt;
  private volatile Optional<Duration> scheduledWait = Optional.empty();

  /**
   * @param pass starts a repair pass; runs on the timer's thread, so it must hand the pass on
   */
  CardRetries(Backoff backoff, LongSupplier ticker, ScheduledExecutorService timer, Runnable pass) {
    this.backoff = backoff;
    this.ticker = ticker;
    this.timer = timer;
    this.pass = pass;
    this.notBefore = new AtomicLong(ticker.getAsLong());
  }

  /** Whether Slack asked to wait and the wait is not over. */
  boolean mustWait() {
    return ticker.getAsLong() - notBefore.get() < 0;
  }

  /** A card call worked: the next failure starts the backoff again. */
  void succeeded() {
    consecutiveFailures.set(0);
  }

  /**
   * Makes sure a later pass runs: after the backoff, and never before a Retry-After Slack gave. A
   * retry already due sooner is kept, unless Slack now asks to wait longer: the longest Retry-After
   * wins.
   */
  void schedule(Optional<Duration> retryAfter) {
    long now = ticker.getAsLong();
    retryAfter.ifPresent(wait -> notBefore.accumulateAndGet(now + wait.toNanos(), Math::max));
    synchronized (lock) {
      boolean pending = retry != null && !retry.isDone();
      int failures = pending ? consecutiveFailures.get() : consecutiveFailures.incrementAndGet();
      long at = Math.max(now + backoff.after(Math.max(failures, 1)).toNanos(), notBefore.get());
      if (pending && retryAt - notBefore.get() >= 0) {
        return; // the retry already due runs no sooner than Slack allows
      }
      if (pending) {
        retry.cancel(false); // due before a longer Retry-After ends: move it
      }
      long delay = Math.max(0, at - now);
      scheduledWait = Optional.of(Duration.ofNanos(delay));
      retryAt = at;
      try {
        retry =
            timer.schedule(
                () -> {
                  synchronized (lock) {
                    scheduledWait = Optional.empty();
                  }
                  pass.run();
                },
                delay,
                TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        scheduledWait = Optional.empty();
      }
    }
  }

  /** How long the scheduled retry was set to wait, if one is scheduled. */
  Optional<Duration> scheduledWait() {
    return scheduledWait;
  }
}
