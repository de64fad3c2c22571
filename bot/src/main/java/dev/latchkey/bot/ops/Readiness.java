package dev.latchkey.bot.ops;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code /readyz} answers, and the one place that says "ready" in the log: the first check
 * that finds start-up done and no problem calls {@code onFirstReady} once, so the log's "Latchkey
 * ready" line and a 200 from {@code /readyz} can never disagree, whichever asks first.
 */
public final class Readiness {
  private static final Logger log = LoggerFactory.getLogger(Readiness.class);
  static final String STARTING = "starting: handling what fell due while Latchkey was stopped";

  private final Supplier<List<String>> dependencies;
  private final Runnable onFirstReady;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean announced = new AtomicBoolean();

  /**
   * {@code dependencies} lists what does not answer (database, clusters, Slack); {@code
   * onFirstReady} runs once, on the first check that finds none after {@link #started()}.
   */
  public Readiness(Supplier<List<String>> dependencies, Runnable onFirstReady) {
    this.dependencies = dependencies;
    this.onFirstReady = onFirstReady;
  }

  /** Start-up is done: from now on only the dependencies decide. */
  public void started() {
    started.set(true);
  }

  /** The problems now; none means ready (and the first time, the ready line is logged). */
  public List<String> problems() {
    if (!started.get()) {
      return List.of(STARTING);
    }
    List<String> found = dependencies.get();
    if (found.isEmpty() && announced.compareAndSet(false, true)) {
      onFirstReady.run();
    }
    return found;
  }

  public boolean announced() {
    return announced.get();
  }

  /**
   * Checks every {@code period} until the first "ready", so it is logged even where nothing polls
   * {@code /readyz}; each problem seen meanwhile is logged once.
   */
  public ScheduledExecutorService watchUntilReady(Duration period) {
    ScheduledExecutorService watch =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("latchkey-readiness").daemon().factory());
    Set<String> reported = ConcurrentHashMap.newKeySet();
    watch.scheduleWithFixedDelay(
        () -> {
          if (announced()) {
            watch.shutdown();
            return;
          }
          for (String problem : problems()) {
            if (reported.add(problem)) {
              log.warn("not ready yet: {}", problem);
            }
          }
        },
        0,
        period.toMillis(),
        TimeUnit.MILLISECONDS);
    return watch;
  }
}
