package dev.latchkey.bot.timers;

import dev.latchkey.core.AccessService;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.DueReport;
import dev.latchkey.core.ReconcileReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the core's timers on threads: what is due (every {@link #DUE_PERIOD}, so expiry lands within a second of
 * its instant), reconciliation of every cluster, and a quick probe of clusters that owe a removal so that a
 * recovered cluster is cleaned at once rather than after the backoff. All decisions stay in the core.
 */
public final class Timers implements AutoCloseable {
  static final Duration DUE_PERIOD = Duration.ofMillis(500);
  static final Duration PROBE_PERIOD = Duration.ofSeconds(2);
  private static final Logger log = LoggerFactory.getLogger(Timers.class);

  private final AccessService service;
  private final List<ClusterRef> clusters;
  private final Duration reconcileInterval;
  private final Predicate<ClusterRef> reachable;
  private final List<Runnable> afterEachPass;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("latchkey-timers").daemon().factory());

  /**
   * @param reachable a cheap check that a cluster's API server answers (no side effects)
   * @param afterEachPass housekeeping to run after each due pass (e.g. bringing cards up to date)
   */
  public Timers(AccessService service, List<ClusterRef> clusters, Duration reconcileInterval,
      Predicate<ClusterRef> reachable, List<Runnable> afterEachPass) {
    this.service = service;
    this.clusters = List.copyOf(clusters);
    this.reconcileInterval = reconcileInterval;
    this.reachable = reachable;
    this.afterEachPass = List.copyOf(afterEachPass);
  }

  /**
   * Handles everything that fell due while Latchkey was not running, then reconciles every cluster. Called
   * before Slack is served, so nothing is decided on stale state.
   */
  public void catchUp() {
    int passes = 0;
    DueReport report;
    do {
      report = service.runDue();
      logErrors(report);
      passes++;
    } while (report.handled() >= AccessService.DUE_BATCH && report.errors().size() < report.handled()
        && passes < 1_000);
    for (ClusterRef cluster : clusters) {
      reconcile(cluster);
    }
  }

  public void start() {
    scheduler.scheduleWithFixedDelay(guarded("due", this::duePass), 0, DUE_PERIOD.toMillis(),
        TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(guarded("probe", this::probeOwedClusters), PROBE_PERIOD.toMillis(),
        PROBE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(guarded("reconcile", () -> clusters.forEach(this::reconcile)),
        reconcileInterval.toMillis(), reconcileInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  void duePass() {
    logErrors(service.runDue());
    for (Runnable task : afterEachPass) {
      task.run();
    }
  }

  /** Clusters owing a removal whose backoff is running: if one answers again, retry now. */
  void probeOwedClusters() {
    for (ClusterRef cluster : service.clustersOwingRemovals()) {
      if (reachable.test(cluster)) {
        service.retryRemovalsNow(cluster);
      }
    }
  }

  private void reconcile(ClusterRef cluster) {
    try {
      ReconcileReport report = service.reconcile(cluster);
      if (report.unavailable().isPresent()) {
        log.warn("reconciliation of {} skipped: cluster unreachable: {}", cluster, report.unavailable().get());
      } else if (!report.orphansRemoved().isEmpty() || !report.revokedOutside().isEmpty()) {
        log.info("reconciled {}: removed orphans {}, revoked outside Latchkey {}", cluster,
            report.orphansRemoved(), report.revokedOutside());
      }
    } catch (RuntimeException e) {
      log.error("reconciliation of {} failed", cluster, e);
    }
  }

  private static void logErrors(DueReport report) {
    for (String error : report.errors()) {
      log.error("timer step failed, will retry: {}", error);
    }
  }

  private static Runnable guarded(String name, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        // A scheduled task that throws is never run again; log and keep the timers alive.
        log.error("{} pass failed, will retry", name, e);
      }
    };
  }

  /** Stops scheduling and waits for a pass in progress to finish. */
  @Override
  public void close() {
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
        scheduler.shutdownNow();
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
