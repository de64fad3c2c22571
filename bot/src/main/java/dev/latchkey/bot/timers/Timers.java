package dev.latchkey.bot.timers;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.DueReport;
import dev.latchkey.core.ReconcileReport;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.Leadership;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the core's timers on threads. Every {@link #DUE_PERIOD} it looks for clusters with due work
 * and starts a pass in that cluster's own lane, so expiry lands within a second of its instant and
 * a cluster that hangs (each call waiting for its timeout) holds up nobody but itself. Before the
 * lanes, and apart from them, each pass commits what needs no cluster (time-outs, the end of
 * expired access, reminders) in batches, so even a lane stuck behind a long line of removals never
 * delays the end of access in the records; the lanes then do the cluster calls (grants, removals) a
 * few at a time. Reconciliation and the probe of clusters owing a removal run in the lanes too; the
 * scheduling thread only dispatches. All decisions stay in the core.
 */
public final class Timers implements AutoCloseable {
  static final Duration DUE_PERIOD = Duration.ofMillis(500);
  static final Duration PROBE_PERIOD = Duration.ofSeconds(2);

  /**
   * Cluster calls one lane makes at once: enough to clear a mass expiry fast, few enough for any
   * API server.
   */
  static final int LANE_PARALLELISM = 4;

  private static final Logger log = LoggerFactory.getLogger(Timers.class);

  private final UseCases core;
  private final List<ClusterRef> clusters;
  private final Duration reconcileInterval;
  private final Predicate<ClusterRef> reachable;
  private final List<Runnable> afterEachPass;
  private final Leadership leadership;

  /** Whether this replica led when last asked; null before the first time. Guarded by this. */
  private Boolean leading;

  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("latchkey-timers").daemon().factory());

  /**
   * Runs lane passes, reconciliations, probes and housekeeping: one thread each at most while they
   * run.
   */
  private final ExecutorService runners =
      Executors.newCachedThreadPool(
          Thread.ofPlatform().name("latchkey-lane-", 0).daemon().factory());

  private final Map<ClusterRef, Lane> lanes = new ConcurrentHashMap<>();
  private final AtomicBoolean housekeeping = new AtomicBoolean();

  /**
   * @param clusters the configured clusters (reconciled and probed; due work is found on any
   *     cluster)
   * @param reachable a cheap check that a cluster's API server answers (no side effects)
   * @param afterEachPass housekeeping to run after each due pass (e.g. bringing cards up to date)
   * @param leadership whether this replica is the one that runs all of this now: asked before every
   *     pass, reconciliation, probe, housekeeping run, batch and cluster call; the others wait
   *     their turn
   */
  public Timers(
      UseCases core,
      List<ClusterRef> clusters,
      Duration reconcileInterval,
      Predicate<ClusterRef> reachable,
      List<Runnable> afterEachPass,
      Leadership leadership) {
    this.core = core;
    this.clusters = List.copyOf(clusters);
    this.reconcileInterval = reconcileInterval;
    this.reachable = reachable;
    this.afterEachPass = List.copyOf(afterEachPass);
    this.leadership = leadership;
  }

  /** Timers of the only process there is: it always leads. */
  public Timers(
      UseCases core,
      List<ClusterRef> clusters,
      Duration reconcileInterval,
      Predicate<ClusterRef> reachable,
      List<Runnable> afterEachPass) {
    this(core, clusters, reconcileInterval, reachable, afterEachPass, Leadership.sole());
  }

  /**
   * Handles everything that fell due while Latchkey was not running, then reconciles every cluster;
   * called before Slack is served, so nothing is decided on stale state. A cluster that does not
   * answer a quick probe gets only what needs no cluster (its requests end on time in the records;
   * the removals follow once it answers), so one unreachable cluster cannot hold up the start.
   */
  public void catchUp() {
    if (!leads()) {
      log.info(
          "another replica leads: it runs the timers, reconciliation and card repair; this one"
              + " takes over if it stops");
      return;
    }
    settle();
    Set<ClusterRef> due = new LinkedHashSet<>(core.due().clustersWithDueWork());
    List<Future<?>> work = new ArrayList<>();
    for (ClusterRef cluster : due) {
      work.add(
          runners.submit(
              () -> {
                if (reachable.test(cluster)) {
                  lane(cluster).drain();
                } else {
                  log.warn(
                      "cluster {} does not answer; its grants and removals wait until it does",
                      cluster);
                }
              }));
    }
    awaitAll(work);
    work.clear();
    for (ClusterRef cluster : clusters) {
      work.add(
          runners.submit(
              () -> {
                if (reachable.test(cluster)) {
                  reconcile(cluster);
                } else {
                  log.warn(
                      "cluster {} does not answer; its reconciliation and removals wait until it"
                          + " does",
                      cluster);
                }
              }));
    }
    awaitAll(work);
  }

  public void start() {
    scheduler.scheduleWithFixedDelay(
        guarded("due", this::duePass), 0, DUE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        guarded("probe", this::probeOwedClusters),
        PROBE_PERIOD.toMillis(),
        PROBE_PERIOD.toMillis(),
        TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        guarded("reconcile", this::reconcileAll),
        reconcileInterval.toMillis(),
        reconcileInterval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a pass in the lane of every cluster with due work (one that is still busy keeps going),
   * then housekeeping.
   */
  void duePass() {
    if (!leads()) {
      return;
    }
    settle();
    for (ClusterRef cluster : core.due().clustersWithDueWork()) {
      lane(cluster).startPass();
    }
    if (!afterEachPass.isEmpty() && housekeeping.compareAndSet(false, true)) {
      runners.execute(
          () -> {
            try {
              if (leads()) {
                afterEachPass.forEach(Runnable::run);
              }
            } catch (RuntimeException e) {
              log.error("housekeeping after the due pass failed, will retry", e);
            } finally {
              housekeeping.set(false);
            }
          });
    }
  }

  private void settle() {
    try {
      logFailures("", core.settle().settleAll());
    } catch (RuntimeException e) {
      log.error("settling due requests failed, will retry", e);
    }
  }

  static void logFailures(String where, DueReport report) {
    for (String error : report.errors()) {
      log.error("could not settle a due request{}, will retry: {}", where, error);
    }
  }

  /**
   * Clusters owing a removal whose backoff is running: if one answers again, retry now (in its
   * lane).
   */
  void probeOwedClusters() {
    if (!leads()) {
      return;
    }
    for (ClusterRef cluster : core.removals().clustersOwing()) {
      lane(cluster)
          .startExclusive(
              "probe",
              () -> {
                if (leads() && reachable.test(cluster)) {
                  core.removals().retryNow(cluster);
                }
              });
    }
  }

  private void reconcileAll() {
    if (!leads()) {
      return;
    }
    for (ClusterRef cluster : clusters) {
      lane(cluster).startExclusive("reconcile", () -> reconcile(cluster));
    }
  }

  /** Whether no lane pass, reconciliation, probe or housekeeping is running. */
  boolean idle() {
    return !housekeeping.get() && lanes.values().stream().allMatch(Lane::idle);
  }

  private Lane lane(ClusterRef cluster) {
    return lanes.computeIfAbsent(cluster, c -> new Lane(c, core, runners, this::leads));
  }

  /** Whether this replica may act now; says so in the log when that changes. */
  synchronized boolean leads() {
    boolean now = leadership.leads();
    Boolean before = leading;
    leading = now;
    if (before != null && before != now) {
      log.info(
          now
              ? "this replica runs the timers, reconciliation and card repair"
              : "this replica stops running the timers: another replica may lead now");
      if (now) {
        // A new leader catches up as a starting one does: due work comes with the next pass, and
        // every cluster is compared with the records at once rather than at the next interval.
        try {
          scheduler.execute(guarded("reconcile", this::reconcileAll));
        } catch (RejectedExecutionException e) {
          // stopping
        }
      }
    }
    return now;
  }

  private void reconcile(ClusterRef cluster) {
    if (!leads()) {
      return;
    }
    try {
      ReconcileReport report = core.reconcile().reconcile(cluster);
      if (report.unavailable().isPresent()) {
        log.warn(
            "reconciliation of {} skipped: cluster unreachable: {}",
            cluster,
            report.unavailable().get());
      } else if (!report.orphansRemoved().isEmpty() || !report.revokedOutside().isEmpty()) {
        log.info(
            "reconciled {}: removed orphans {}, revoked outside Latchkey {}",
            cluster,
            report.orphansRemoved(),
            report.revokedOutside());
      }
    } catch (RuntimeException e) {
      log.error("reconciliation of {} failed", cluster, e);
    }
  }

  private static void awaitAll(List<Future<?>> work) {
    for (Future<?> f : work) {
      try {
        f.get();
      } catch (ExecutionException e) {
        log.error("catch-up step failed, the timers retry it", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  static Runnable guarded(String name, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable e) {
        // A scheduled task that throws is never run again, and no access would end after that: log
        // and keep the
        // timers alive, through errors too (a stack overflow, a class that failed to load). Only a
        // JVM running out
        // of memory or broken inside ends them.
        if (e instanceof VirtualMachineError fatal && !(e instanceof StackOverflowError)) {
          log.error(
              "{} pass failed with {}; the JVM is not fit to go on (it exits on out of memory)",
              name,
              fatal);
          throw fatal;
        }
        log.error("{} pass failed, will retry", name, e);
      }
    };
  }

  /** Stops scheduling and waits for the passes in progress to finish. */
  @Override
  public void close() {
    scheduler.shutdown();
    runners.shutdown();
    try {
      if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
        scheduler.shutdownNow();
      }
      if (!runners.awaitTermination(20, TimeUnit.SECONDS)) {
        runners.shutdownNow();
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      runners.shutdownNow();
      Thread.currentThread().interrupt();
    }
    lanes.values().forEach(Lane::close);
  }
}
