package dev.latchkey.bot.slack;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on a shared executor, one at a time per key and in submission order, so the messages about one request
 * (card update, thread reply, DM) go out in the order its changes happened. Tasks of different keys run in
 * parallel. A failing task is logged and does not stop the ones after it.
 */
final class KeyedSerialExecutor {
  private static final Logger log = LoggerFactory.getLogger(KeyedSerialExecutor.class);

  private final Executor executor;
  private final ConcurrentMap<Object, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

  KeyedSerialExecutor(Executor executor) {
    this.executor = executor;
  }

  /** Queues {@code task} after the earlier tasks of {@code key}; never throws. */
  void execute(Object key, Runnable task) {
    try {
      CompletableFuture<Void> next = tails.compute(key, (k, tail) -> {
        CompletableFuture<Void> previous = tail == null ? CompletableFuture.completedFuture(null) : tail;
        return previous.handle((ignored, error) -> null).thenRunAsync(() -> runSafely(key, task), executor);
      });
      next.whenComplete((ignored, error) -> tails.remove(key, next));
    } catch (RuntimeException e) {
      log.error("could not queue work for {}: {}", key, e.toString());
    }
  }

  /** Whether work is queued or running (for tests and shutdown). */
  boolean idle() {
    return tails.isEmpty();
  }

  private static void runSafely(Object key, Runnable task) {
    try (var context = key instanceof dev.latchkey.core.RequestId id ? LogContext.request(id) : null) {
      task.run();
    } catch (RuntimeException e) {
      log.error("Slack work for {} failed", key, e);
    }
  }
}
