package dev.latchkey.bot.slack;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on a shared executor, one at a time per key and in submission order, so the messages
 * about one request (card update, thread reply, DM) go out in the order its changes happened. Tasks
 * of different keys run in parallel. A failing task is logged and does not stop the ones after it.
 *
 * <p>A {@link Step} may ask to be tried again after a while (Slack said Retry-After, or was down):
 * the key's later tasks wait behind it, but no thread does — the wait is a timer, and the next try
 * runs on the executor again. After {@link #MAX_TRIES} tries the step is given up (logged) and the
 * key's queue moves on.
 */
final class KeyedSerialExecutor {
  private static final Logger log = LoggerFactory.getLogger(KeyedSerialExecutor.class);
  static final int MAX_TRIES = 8;

  /** One piece of work that may ask to be tried again. */
  @FunctionalInterface
  interface Step {
    /**
     * Runs the {@code attempt}-th try (from 1); returns how long to wait before the next try, or
     * empty when done (delivered, or failed for good).
     */
    Optional<Duration> run(int attempt);
  }

  private final Executor executor;
  private final ConcurrentMap<Object, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

  KeyedSerialExecutor(Executor executor) {
    this.executor = executor;
  }

  /** Queues {@code task} after the earlier tasks of {@code key}; never throws. */
  void execute(Object key, Runnable task) {
    execute(
        key,
        attempt -> {
          task.run();
          return Optional.empty();
        });
  }

  /**
   * Queues {@code step} after the earlier tasks of {@code key}, tried again as it asks; never
   * throws.
   */
  void execute(Object key, Step step) {
    try {
      CompletableFuture<Void> next =
          tails.compute(
              key,
              (k, tail) -> {
                CompletableFuture<Void> previous =
                    tail == null ? CompletableFuture.completedFuture(null) : tail;
                return previous
                    .handle((ignored, error) -> null)
                    .thenComposeAsync(ignored -> attempt(key, step, 1), executor);
              });
      next.whenComplete((ignored, error) -> tails.remove(key, next));
    } catch (RuntimeException e) {
      try (var context = context(key)) {
        log.error("could not queue work for {}: {}", key, e.toString());
      }
    }
  }

  /** The log context of a key that is a request id (nothing for other keys). */
  private static LogContext context(Object key) {
    return key instanceof dev.latchkey.core.RequestId id ? LogContext.request(id) : null;
  }

  private CompletableFuture<Void> attempt(Object key, Step step, int attempt) {
    Optional<Duration> again = runSafely(key, step, attempt);
    if (again.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    if (attempt >= MAX_TRIES) {
      try (var context = context(key)) {
        log.error("Slack work for {} given up after {} tries", key, attempt);
      }
      return CompletableFuture.completedFuture(null);
    }
    Executor later =
        CompletableFuture.delayedExecutor(again.get().toMillis(), TimeUnit.MILLISECONDS, executor);
    return CompletableFuture.supplyAsync(() -> attempt + 1, later)
        .thenCompose(n -> attempt(key, step, n));
  }

  /** Whether work is queued or running (for tests and shutdown). */
  boolean idle() {
    return tails.isEmpty();
  }

  private static Optional<Duration> runSafely(Object key, Step step, int attempt) {
    try (var context = context(key)) {
      return step.run(attempt);
    } catch (RuntimeException e) {
      log.error("Slack work for {} failed", key, e);
      return Optional.empty();
    }
  }
}
