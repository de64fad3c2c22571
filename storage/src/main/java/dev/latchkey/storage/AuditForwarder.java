package dev.latchkey.storage;

import dev.latchkey.core.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards committed audit events from table {@code audit_events} to the sinks, at least once and
 * in sequence order, keeping each sink's progress in {@code audit_forwarding}.
 *
 * <p>One background thread does the work: woken after each commit, at start (to catch up on
 * whatever was committed but not forwarded before a crash or while a sink was down), and when a
 * failed sink is due for a retry. A committing thread only wakes it, so a slow or broken sink never
 * holds up a change. Each batch is one transaction: lock the sink's progress row, read the events
 * after it, write them, move the progress on. The row lock keeps two processes from writing the
 * same events to the same sink; a crash after the write and before the commit writes those events
 * again on the next attempt.
 */
final class AuditForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(AuditForwarder.class);

  /** Events read and written per transaction. */
  static final int BATCH = 500;

  /** Between the tries of a failing sink. */
  static final Backoff RETRY = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

  /** How long closing waits for a pass in progress before its own last pass. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final Sql sql;

  /** Elapsed time in nanoseconds, for the retry times of failing sinks. */
  private final LongSupplier ticker;

  private final List<Target> targets;
  private final ScheduledExecutorService worker;

  /** One pass at a time in this process; a pass touches {@link Target}s only while holding it. */
  private final ReentrantLock passLock = new ReentrantLock();

  private final AtomicBoolean wakeQueued = new AtomicBoolean();
  private volatile boolean closed;

  AuditForwarder(Sql sql, List<AuditSink> sinks, LongSupplier ticker) {
    this.sql = sql;
    this.ticker = ticker;
    Set<String> names = new HashSet<>();
    List<Target> targets = new ArrayList<>();
    for (AuditSink sink : sinks) {
      String name = sink.name();
      if (name == null || name.isBlank() || name.length() > 1024 || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "an audit sink needs a name of 1 to 1024 characters: " + sink);
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(
            "two audit sinks are named "
                + name
                + "; progress is kept per name, so names must differ");
      }
      targets.add(new Target(sink));
    }
    this.targets = List.copyOf(targets);
    this.worker =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("latchkey-audit-forwarding").daemon().factory());
  }

  /**
   * Gives each sink seen for the first time a progress row at the current chain head: a sink added
   * later receives what is committed from then on, not the whole history. Holding the head's lock
   * orders this against appends and against other processes registering the same sink.
   */
  void register() {
    if (targets.isEmpty()) {
      return;
    }
    sql.inTransaction(
        "register the audit sinks",
        h -> {
          long head =
              h.createQuery("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
                  .mapTo(Long.class)
                  .one();
          for (Target target : targets) {
            if (!Sql.exists(
                h,
                "SELECT COUNT(*) FROM audit_forwarding WHERE sink = :sink",
                Map.of("sink", target.name()))) {
              h.createUpdate("INSERT INTO audit_forwarding (sink, seq) VALUES (:sink, :seq)")
                  .bind("sink", target.name())
                  .bind("seq", head)
                  .execute();
              LOG.info("audit sink {} starts after event {}", target.name(), head);
            }
          }
          return null;
        });
  }

  /** Starts the background thread with a catch-up pass. */
  void start() {
    wake();
  }

  /** Events were committed: forward them soon. Never blocks. */
  void wake() {
    if (closed || targets.isEmpty() || !wakeQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      worker.execute(
          () -> {
            wakeQueued.set(false);
            backgroundPass();
          });
    } catch (RejectedExecutionException e) {
      wakeQueued.set(false); // closing: the last pass in close() forwards what is left
    }
  }

  /**
   * Forwards everything committed so far to every sink now, retrying failed sinks at once; for
   * tests and tools.
   */
  List<AuditForwarding> forwardNow() {
    pass(true);
    return status();
  }

  /** Where each sink stands, from the database, with the last failure of a sink that is failing. */
  List<AuditForwarding> status() {
    if (targets.isEmpty()) {
      return List.of();
    }
    return sql.withHandle(
        "read the audit forwarding progress",
        h -> {
          long head =
              h.createQuery("SELECT seq FROM audit_head WHERE id = 1").mapTo(Long.class).one();
          Map<String, Long> progress =
              h
                  .createQuery("SELECT sink, seq FROM audit_forwarding")
                  .map((rs, ctx) -> Map.entry(rs.getString("sink"), rs.getLong("seq")))
                  .list()
                  .stream()
                  .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
          List<AuditForwarding> out = new ArrayList<>();
          for (Target target : targets) {
            out.add(
                new AuditForwarding(
                    target.name(),
                    progress.getOrDefault(target.name(), 0L),
                    head,
                    Optional.ofNullable(target.lastFailure)));
          }
          return out;
        });
  }

  /**
   * Stops the background thread, then makes a last attempt to forward what is left: a clean
   * shutdown leaves nothing behind while the sinks work. Must run before the pool closes.
   */
  void stop() {
    closed = true;
    worker.shutdown();
    try {
      if (!worker.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "audit forwarding did not finish within {}; what is left is forwarded at the next"
                + " start",
            CLOSE_WAIT);
        worker.shutdownNow();
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      worker.shutdownNow();
      return;
    }
    if (!targets.isEmpty()) {
      pass(true);
    }
  }

  void closeSinks() {
    for (Target target : targets) {
      try {
        target.sink.close();
      } catch (Exception e) {
        LOG.warn("audit sink {} could not be closed: {}", target.name(), e.toString());
      }
    }
  }

  private void backgroundPass() {
    pass(false);
    // A failing sink is retried when due, whether or not anything else is committed meanwhile.
    long now = ticker.getAsLong();
    long next = Long.MAX_VALUE;
    passLock.lock();
    try {
      for (Target target : targets) {
        if (target.failures > 0) {
          next = Math.min(next, Math.max(0, target.retryAt - now));
        }
      }
    } finally {
      passLock.unlock();
    }
    if (next != Long.MAX_VALUE && !closed) {
      try {
        worker.schedule(this::wake, next, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }
  }

  /**
   * One attempt per sink to forward everything after its progress. Without {@code force}, a failed
   * sink waits for its retry time. Retries are paced by elapsed time (the ticker), not the domain
   * clock: pacing decides nothing about requests.
   */
  private void pass(boolean force) {
    passLock.lock();
    try {
      for (Target target : targets) {
        if (!force && target.failures > 0 && ticker.getAsLong() - target.retryAt < 0) {
          continue;
        }
        try {
          long forwarded = drain(target);
          if (target.failures > 0) {
            LOG.info(
                "audit sink {} works again after {} failed attempt(s); forwarded {} event(s)",
                target.name(),
                target.failures,
                forwarded);
          }
          target.failures = 0;
          target.lastFailure = null;
        } catch (RuntimeException e) {
          target.failures++;
          Duration delay = RETRY.after(target.failures);
          target.retryAt = ticker.getAsLong() + delay.toNanos();
          String failure = e instanceof SinkFailed ? e.getCause().toString() : e.getMessage();
          target.lastFailure = failure;
          LOG.warn(
              "audit sink {} failed (attempt {}), retrying in {}s; nothing is lost, events wait in"
                  + " the database: {}",
              target.name(),
              target.failures,
              delay.toSeconds(),
              failure);
        }
      }
    } finally {
      passLock.unlock();
    }
  }

  /** Forwards batches until the sink has everything committed; returns how many events it wrote. */
  private long drain(Target target) {
    long total = 0;
    while (true) {
      int written =
          sql.inTransaction("forward audit events to " + target.name(), h -> batch(h, target));
      total += written;
      if (written < BATCH) {
        return total;
      }
    }
  }

  private int batch(Handle h, Target target) {
    Optional<Long> progress =
        h.createQuery("SELECT seq FROM audit_forwarding WHERE sink = :sink FOR UPDATE")
            .bind("sink", target.name())
            .mapTo(Long.class)
            .findOne();
    if (progress.isEmpty()) {
      throw new StoreException(
          "the progress row of audit sink "
              + target.name()
              + " is missing from "
              + "audit_forwarding (rows there are never deleted); restore it to resume forwarding");
    }
    long after = progress.get();
    // Up to the head only: a row past it is not part of the chain (the head moves in the
    // transaction that appends).
    long head = h.createQuery("SELECT seq FROM audit_head WHERE id = 1").mapTo(Long.class).one();
    List<AuditChain.Row> rows =
        h.createQuery(
                "SELECT "
                    + AuditChain.COLUMNS
                    + " FROM audit_events "
                    + "WHERE seq > :after AND seq <= :head ORDER BY seq LIMIT :limit")
            .bind("after", after)
            .bind("head", head)
            .bind("limit", BATCH)
            .map((rs, ctx) -> AuditChain.Row.read(rs))
            .list();
    if (rows.isEmpty()) {
      return 0;
    }
    // Appends commit in sequence order (they hold the head's lock until commit), so a gap is a
    // deleted row.
    long expected = after + 1;
    List<AuditLine> lines = new ArrayList<>(rows.size());
    for (AuditChain.Row row : rows) {
      if (row.seq() != expected) {
        LOG.error(
            "audit events {} to {} are missing from the table; forwarding what follows"
                + " (verify-audit reports the break)",
            expected,
            row.seq() - 1);
      }
      lines.add(line(row));
      expected = row.seq() + 1;
    }
    try {
      target.sink.write(lines);
    } catch (Exception e) {
      throw new SinkFailed(e);
    }
    h.createUpdate("UPDATE audit_forwarding SET seq = :seq WHERE sink = :sink")
        .bind("seq", rows.getLast().seq())
        .bind("sink", target.name())
        .execute();
    return rows.size();
  }

  /**
   * The stored row as a line, details verbatim so the line's hash matches its content. Details that
   * are not a JSON object (a row altered by hand) go as a JSON string, keeping the line valid JSON;
   * its hash then does not match, which is the truth.
   */
  static AuditLine line(AuditChain.Row row) {
    AuditCanonicalForm.Content content = row.content();
    if (!JsonText.isObject(content.details())) {
      content = content.withDetails(JsonText.quoted(content.details()));
    }
    return new AuditLine(
        row.seq(), row.hash(), AuditCanonicalForm.line(content, row.hash(), row.previousHash()));
  }

  /** A sink threw: the batch's transaction rolls back, so its progress stays where it was. */
  private static final class SinkFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SinkFailed(Exception cause) {
      super(cause);
    }
  }

  private static final class Target {
    final AuditSink sink;
    int failures;
    long retryAt;
    volatile String lastFailure;

    Target(AuditSink sink) {
      this.sink = sink;
    }

    String name() {
      return sink.name();
    }
  }
}
