package dev.latchkey.bot.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.port.AuditLog.ChainHead;
import dev.latchkey.storage.AuditLine;
import dev.latchkey.storage.AuditSink;
import dev.latchkey.storage.Database;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The start-up chain check as a gauge and a log line, the head written to the log, and forwarding
 * lag.
 */
class AuditChainMonitorTest {
  @TempDir Path dir;
  final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final ListAppender<ILoggingEvent> log = new ListAppender<>();
  final Logger logger = (Logger) LoggerFactory.getLogger(AuditChainMonitor.class);
  volatile boolean sinkDown;
  String url;
  Database db;

  @BeforeEach
  void open() {
    log.start();
    logger.addAppender(log);
    url = "jdbc:h2:file:" + dir.resolve("latchkey");
    AuditSink pipeline =
        new AuditSink() {
          @Override
          public String name() {
            return "pipeline";
          }

          @Override
          public void write(List<AuditLine> lines) throws IOException {
            if (sinkDown) {
              throw new IOException("pipeline unreachable");
            }
          }
        };
    db = Database.builder(url).credentials("", "").sinks(List.of(pipeline)).open();
    for (int n = 1; n <= 3; n++) {
      db.audit()
          .append(
              new AuditEvent(
                  Instant.parse("2026-03-01T10:00:00Z").plusSeconds(n),
                  Actor.SYSTEM,
                  Optional.of(new CustomerId("acme")),
                  Optional.empty(),
                  AuditAction.CLUSTER_ENABLED,
                  AuditResult.OK,
                  Map.of("cluster", "prod")));
    }
  }

  @AfterEach
  void close() {
    logger.detachAppender(log);
    db.close();
  }

  @Test
  void anIntactChainIsOneAndItsHeadIsLogged() {
    AuditChainMonitor monitor = new AuditChainMonitor(db, metrics);
    assertThat(gauge()).isNaN();

    monitor.check();

    ChainHead head = db.audit().head();
    assertThat(gauge()).isEqualTo(1.0);
    assertThat(metrics.scrape()).contains("latchkey_audit_chain_intact 1.0");
    assertThat(lines(Level.INFO))
        .contains(
            "audit chain intact: 3 events; head audit_head_seq=3 audit_head_hash=" + head.hash());
  }

  @Test
  void aBrokenChainIsZeroAndTheLogNamesTheBrokenEvent() throws Exception {
    try (Connection c = DriverManager.getConnection(url, "", "");
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE audit_events SET actor = 'cluster' WHERE seq = 2");
    }
    AuditChainMonitor monitor = new AuditChainMonitor(db, metrics);

    monitor.check();

    assertThat(gauge()).isEqualTo(0.0);
    assertThat(lines(Level.ERROR))
        .singleElement()
        .asString()
        .startsWith(
            "audit chain BROKEN at event 2: hash does not match content; head audit_head_seq=3");
  }

  @Test
  void startChecksInTheBackground() {
    try (AuditChainMonitor monitor = AuditChainMonitor.start(db, metrics)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> gauge() == 1.0);
    }
  }

  @Test
  void theHeadLineCarriesSequenceAndHash() {
    new AuditChainMonitor(db, metrics).logHead();

    assertThat(lines(Level.INFO))
        .containsExactly(
            "audit chain head audit_head_seq=3 audit_head_hash=" + db.audit().head().hash());
  }

  @Test
  void howFarEachSinkIsBehindIsAGauge() {
    new AuditChainMonitor(db, metrics);
    db.forwardAudit();
    assertThat(behind()).isEqualTo(0.0);

    sinkDown = true;
    db.audit()
        .append(
            new AuditEvent(
                Instant.parse("2026-03-01T11:00:00Z"),
                Actor.SYSTEM,
                Optional.empty(),
                Optional.empty(),
                AuditAction.CLUSTER_DISABLED,
                AuditResult.OK,
                Map.of()));
    db.forwardAudit();
    assertThat(behind()).isEqualTo(1.0);
    assertThat(metrics.scrape()).contains("latchkey_audit_forward_behind{sink=\"pipeline\"} 1.0");

    sinkDown = false;
    db.forwardAudit();
    assertThat(behind()).isEqualTo(0.0);
  }

  private double gauge() {
    return metrics.get("latchkey.audit.chain.intact").gauge().value();
  }

  private double behind() {
    return metrics.get("latchkey.audit.forward.behind").tag("sink", "pipeline").gauge().value();
  }

  private List<String> lines(Level level) {
    List<ILoggingEvent> seen;
    synchronized (log) { // the monitor's thread appends, holding the appender's monitor
      seen = List.copyOf(log.list);
    }
    return seen.stream()
        .filter(e -> e.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }
}
