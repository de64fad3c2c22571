package dev.latchkey.bot.ops;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.port.AuditLog.ChainHead;
import dev.latchkey.storage.AuditForwarding;
import dev.latchkey.storage.AuditVerification;
import dev.latchkey.storage.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the audit trail of a running Latchkey: checks the whole chain once at start, in the
 * background, and publishes the result as {@code latchkey_audit_chain_intact}; logs the chain head
 * (event and hash) at start and every hour, so it is written down outside the database, where a
 * rewrite from inside cannot reach it; and publishes how far each audit sink is behind ({@code
 * latchkey_audit_forward_behind{sink}}).
 */
public final class AuditChainMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditChainMonitor.class);
  static final Duration HEAD_LOG_PERIOD = Duration.ofHours(1);

  private final Database database;

  /** 1 intact, 0 broken or not checkable, NaN until the first check has finished. */
  private final AtomicReference<Double> intact = new AtomicReference<>(Double.NaN);

  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("latchkey-audit-monitor").daemon().factory());

  /** Registers the gauges; nothing runs until {@link #start()}. */
  AuditChainMonitor(Database database, MeterRegistry metrics) {
    this.database = database;
    Gauge.builder("latchkey.audit.chain.intact", intact, AtomicReference::get)
        .description(
            "1 when the start-up check found the audit chain intact, 0 when it found it broken or"
                + " could not check it (the log says which), NaN while the check runs")
        .register(metrics);
    for (AuditForwarding sink : database.auditForwarding()) {
      Gauge.builder("latchkey.audit.forward.behind", () -> behind(sink.sink()))
          .description(
              "Audit events committed but not yet written to this sink (retried until it succeeds)")
          .tag("sink", sink.sink())
          .register(metrics);
    }
  }

  /** Starts the background check and the hourly head line. */
  public static AuditChainMonitor start(Database database, MeterRegistry metrics) {
    AuditChainMonitor monitor = new AuditChainMonitor(database, metrics);
    monitor.scheduler.execute(monitor::check);
    monitor.scheduler.scheduleAtFixedRate(
        monitor::logHead,
        HEAD_LOG_PERIOD.toMillis(),
        HEAD_LOG_PERIOD.toMillis(),
        TimeUnit.MILLISECONDS);
    return monitor;
  }

  /** Walks the chain, sets the gauge and logs the result with the head it checked against. */
  void check() {
    try {
      AuditVerification verification = database.verifyAudit();
      ChainHead head = verification.head();
      switch (verification.check()) {
        case ChainCheck.Intact ok -> {
          LOG.info(
              "audit chain intact: {} events; head {} {}",
              ok.events(),
              kv("audit_head_seq", head.sequence()),
              kv("audit_head_hash", head.hash()));
          intact.set(1.0);
        }
        case ChainCheck.Broken broken -> {
          LOG.error(
              "audit chain BROKEN at event {}: {}; head {} {}",
              broken.sequence(),
              broken.problem(),
              kv("audit_head_seq", head.sequence()),
              kv("audit_head_hash", head.hash()));
          intact.set(0.0);
        }
      }
    } catch (RuntimeException e) {
      LOG.error("audit chain could not be checked: {}", e.getMessage());
      intact.set(0.0);
    }
  }

  void logHead() {
    try {
      ChainHead head = database.audit().head();
      LOG.info(
          "audit chain head {} {}",
          kv("audit_head_seq", head.sequence()),
          kv("audit_head_hash", head.hash()));
    } catch (RuntimeException e) {
      LOG.warn("audit chain head could not be read: {}", e.getMessage());
    }
  }

  double intact() {
    return intact.get();
  }

  private double behind(String sink) {
    try {
      return database.auditForwarding().stream()
          .filter(f -> f.sink().equals(sink))
          .findFirst()
          .map(f -> (double) f.behind())
          .orElse(Double.NaN);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * Stops the schedule. A check in progress is left to finish rather than interrupted: interrupting
   * a thread in the middle of H2 file I/O closes the database file for every thread.
   */
  @Override
  public void close() {
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
