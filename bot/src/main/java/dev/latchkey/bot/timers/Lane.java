package dev.latchkey.bot.timers;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.timers.SettleDue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The timer work of one cluster ({@link Timers}): at most one due pass and one other task
 * (reconcile, probe) at a time, and the pass's cluster calls a few at a time on the lane's own
 * workers, so a cluster that hangs holds up nobody but itself.
 */
final class Lane {
  // Under the timers' logger, where operators look for timer failures.
  private static final Logger log = LoggerFactory.getLogger(Timers.class);
  private static final String REQUEST_ID = "request_id";

  private final ClusterRef cluster;
  private final UseCases core;
  private final ExecutorService runners;
  private final BooleanSupplier leads;
  private final AtomicBoolean passRunning = new AtomicBoolean();
  private final Set<String> tasksRunning = ConcurrentHashMap.newKeySet();
  private final ThreadPoolExecutor workers;

  /**
   * @param runners runs the lane's passes and tasks (shared by every lane; a thread each while they
   *     run)
   * @param leads whether this replica leads now: asked before each batch and each cluster call, so
   *     a replica that stops leading stops within the calls under way
   */
  Lane(ClusterRef cluster, UseCases core, ExecutorService runners, BooleanSupplier leads) {
    this.cluster = cluster;
    this.core = core;
    this.runners = runners;
    this.leads = leads;
    this.workers =
        new ThreadPoolExecutor(
            Timers.LANE_PARALLELISM,
            Timers.LANE_PARALLELISM,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            Thread.ofPlatform()
                .name("latchkey-lane-" + cluster.customer() + "-" + cluster.name() + "-", 0)
                .daemon()
                .factory());
    this.workers.allowCoreThreadTimeOut(true);
  }

  boolean idle() {
    return !passRunning.get() && tasksRunning.isEmpty();
  }

  void startPass() {
    if (passRunning.compareAndSet(false, true)) {
      try {
        runners.execute(
            () -> {
              try {
                drain();
              } catch (RuntimeException e) {
                log.error("due pass on {} failed, will retry", cluster, e);
              } finally {
                passRunning.set(false);
              }
            });
      } catch (RuntimeException e) { // shut down
        passRunning.set(false);
      }
    }
  }

  void startExclusive(String name, Runnable task) {
    if (tasksRunning.add(name)) {
      try {
        runners.execute(
            () -> {
              try {
                task.run();
              } catch (RuntimeException e) {
                log.error("{} of {} failed, will retry", name, cluster, e);
              } finally {
                tasksRunning.remove(name);
              }
            });
      } catch (RuntimeException e) { // shut down
        tasksRunning.remove(name);
      }
    }
  }

  /**
   * Batches until nothing is due: first what needs no cluster, for the whole batch in one
   * transaction, then the cluster calls, {@link #Timers.LANE_PARALLELISM} at a time.
   */
  void drain() {
    for (int batches = 0; batches < 1_000; batches++) {
      if (!leads.getAsBoolean()) {
        return;
      }
      List<AccessRequest> due = core.due().dueOn(cluster);
      if (due.isEmpty()) {
        return;
      }
      try {
        Timers.logFailures(" on " + cluster, core.settle().settle(due));
      } catch (RuntimeException e) {
        log.error("timer step on {} failed, will retry", cluster, e);
        return;
      }
      // The cluster calls for this same batch, as it now stands (a new query would put the next
      // batch's
      // unsettled requests, due earlier, ahead of these).
      int failed = run(due);
      if (due.size() < SettleDue.DUE_BATCH || failed == due.size()) {
        return;
      }
    }
  }

  /**
   * The cluster calls of a batch, {@link #Timers.LANE_PARALLELISM} at a time; returns how many
   * failed.
   */
  private int run(List<AccessRequest> due) {
    List<Future<Optional<String>>> results = new ArrayList<>(due.size());
    for (AccessRequest r : due) {
      results.add(
          workers.submit(
              () -> {
                if (!leads.getAsBoolean()) {
                  return Optional.<String>empty(); // another replica leads now: it takes this over
                }
                try (var id = MDC.putCloseable(REQUEST_ID, r.id().value())) {
                  return core.queries()
                      .find(r.id())
                      .flatMap(current -> core.due().handle(current, true));
                }
              }));
    }
    int failed = 0;
    for (Future<Optional<String>> result : results) {
      Optional<String> error = get(result);
      if (error.isPresent()) {
        failed++;
        log.error("timer step on {} failed, will retry: {}", cluster, error.get());
      }
    }
    return failed;
  }

  void close() {
    workers.shutdown();
  }

  private static Optional<String> get(Future<Optional<String>> result) {
    try {
      return result.get();
    } catch (ExecutionException e) {
      return Optional.of(String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }
}
