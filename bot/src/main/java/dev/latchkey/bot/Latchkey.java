package dev.latchkey.bot;

import dev.latchkey.bot.config.ClusterConnectionSettings;
import dev.latchkey.bot.config.ConfigException;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.bot.http.HttpServer;
import dev.latchkey.bot.ops.AuditChainMonitor;
import dev.latchkey.bot.ops.HealthServlet;
import dev.latchkey.bot.ops.MeteredClusterAccess;
import dev.latchkey.bot.ops.MeteredNotifier;
import dev.latchkey.bot.ops.MetricsServlet;
import dev.latchkey.bot.ops.SlackApiMetrics;
import dev.latchkey.bot.ops.StartingGate;
import dev.latchkey.bot.slack.DeliveryLog;
import dev.latchkey.bot.slack.SlackSettings;
import dev.latchkey.bot.slack.SlackSurface;
import dev.latchkey.bot.timers.Timers;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AccessService;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.Customer;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.k8s.ClusterConnection;
import dev.latchkey.k8s.ClusterConnections;
import dev.latchkey.k8s.FabricClusterAccess;
import dev.latchkey.storage.AuditSink;
import dev.latchkey.storage.Database;
import dev.latchkey.storage.JsonLinesAuditSink;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Latchkey: storage, clusters, the core, Slack, timers and the HTTP server, started in
 * the order that keeps the rules true — everything that fell due while stopped is handled before
 * Slack is served — and stopped in the reverse order.
 */
public final class Latchkey implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Latchkey.class);
  private static final Duration CARD_REPAIR_PERIOD = Duration.ofSeconds(5);

  private final Database database;
  private final FabricClusterAccess clusters;
  private final ExecutorService executor;
  private final SlackSurface slack;
  private final AccessService service;
  private final Timers timers;
  private final HttpServer http;
  private final PrometheusMeterRegistry metrics;
  private final AuditChainMonitor auditMonitor;

  private Latchkey(
      Database database,
      FabricClusterAccess clusters,
      ExecutorService executor,
      SlackSurface slack,
      AccessService service,
      Timers timers,
      HttpServer http,
      PrometheusMeterRegistry metrics,
      AuditChainMonitor auditMonitor) {
    this.database = database;
    this.clusters = clusters;
    this.executor = executor;
    this.slack = slack;
    this.service = service;
    this.timers = timers;
    this.http = http;
    this.metrics = metrics;
    this.auditMonitor = auditMonitor;
  }

  /** Connects each configured cluster (kubeconfig or in-cluster). */
  public static ClusterConnection connect(ClusterConnectionSettings settings) {
    try {
      ClusterConnection connection =
          settings.inCluster()
              ? ClusterConnections.inCluster(settings.supportServer())
              : ClusterConnections.fromKubeconfig(
                  settings.kubeconfig().orElseThrow(),
                  settings.context(),
                  settings.supportServer());
      return settings.supportCaData().map(connection::withSupportCa).orElse(connection);
    } catch (RuntimeException e) {
      throw new ConfigException("cluster " + settings.cluster() + ": " + e.getMessage());
    }
  }

  public static Latchkey start(Settings settings, LatchkeyConfig config, Clock clock)
      throws Exception {
    return start(settings, config, clock, Latchkey::connect);
  }

  /**
   * Starts everything; {@code connector} turns cluster settings into connections (tests pass mock
   * servers).
   */
  public static Latchkey start(
      Settings settings,
      LatchkeyConfig config,
      Clock clock,
      Function<ClusterConnectionSettings, ClusterConnection> connector)
      throws Exception {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      List<AuditSink> sinks = new ArrayList<>();
      sinks.add(JsonLinesAuditSink.stdout());
      if (config.auditFile().isPresent()) {
        sinks.add(new JsonLinesAuditSink(config.auditFile().get()));
      }
      String url = settings.databaseUrl().orElse(config.databaseUrl());
      Database database =
          Database.builder(url)
              .credentials(
                  settings.databaseUser().orElse(""), settings.databasePassword().orElse(""))
              .sinks(sinks)
              .clock(clock)
              .open();
      opened.add(database);

      Map<ClusterRef, ClusterConnection> connections = new LinkedHashMap<>();
      for (ClusterConnectionSettings c : config.connections()) {
        ClusterConnection connection = connector.apply(c);
        opened.add(connection::close);
        connections.put(c.cluster(), connection);
      }
      FabricClusterAccess clusters = new FabricClusterAccess(connections, clock);

      PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      // The whole chain is checked in the background while the rest starts; the head is logged to
      // anchor it.
      AuditChainMonitor auditMonitor = AuditChainMonitor.start(database, metrics);
      opened.add(auditMonitor);
      ExecutorService executor =
          Executors.newFixedThreadPool(
              16, Thread.ofPlatform().name("latchkey-work-", 0).daemon().factory());
      opened.add(executor::shutdownNow);

      SlackSettings slackSettings =
          new SlackSettings(
              settings.slackBotToken(), settings.slackSigningSecret(), settings.slackApiUrl());
      SlackSurface.Foundation foundation =
          SlackSurface.foundation(
              slackSettings,
              config.customers(),
              database.requests(),
              database.cards(),
              database.audit(),
              clock,
              executor,
              new SlackApiMetrics(metrics));
      opened.add(foundation.cardSync());
      // Deliveries already handled are kept in the database: a signed request replayed after a
      // restart, or to another replica, is recognised.
      foundation.rememberDeliveriesIn(
          DeliveryLog.of(
              database.seenDeliveries()::seenBefore, database.seenDeliveries()::forgetBefore));
      AccessService service =
          new AccessService(
              config.customers(),
              database.requests(),
              database.enablements(),
              database.audit(),
              new MeteredClusterAccess(clusters, metrics),
              new MeteredNotifier(foundation.notifier(), metrics),
              foundation.approverDirectory(),
              clock,
              new SecureRandom(),
              RetryPolicy.DEFAULT);
      SlackSurface slack = foundation.complete(service);
      opened.add(slack);

      List<ClusterRef> refs = List.copyOf(connections.keySet());
      // Real elapsed time, not the domain clock: this paces Slack calls, it decides nothing.
      AtomicLong lastRepair = new AtomicLong(System.nanoTime());
      Runnable repairCards =
          () -> {
            long now = System.nanoTime();
            if (now - lastRepair.get() >= CARD_REPAIR_PERIOD.toNanos()) {
              lastRepair.set(now);
              slack.cardSync().syncOutOfDate();
            }
          };
      Timers timers =
          new Timers(
              service,
              refs,
              config.reconcileInterval(),
              ref -> {
                Optional<String> why = clusters.unreachable(ref);
                why.ifPresent(reason -> log.warn("cluster {} does not answer: {}", ref, reason));
                return why.isEmpty();
              },
              List.of(repairCards));
      opened.add(timers);

      // HTTP first, so the process is seen alive while it catches up; Slack waits behind the gate
      // until then.
      registerGauges(metrics, database, service, config);
      StartingGate slackGate = new StartingGate(slack.servlet());
      HttpServer http =
          new HttpServer(settings.port())
              .addServlet(HttpServer.SLACK_EVENTS_PATH, slackGate)
              .addServlet("/healthz", HealthServlet.liveness())
              .addServlet(
                  "/readyz",
                  HealthServlet.readiness(
                      () ->
                          slackGate.isOpen()
                              ? readinessProblems(database, clusters, refs)
                              : List.of(
                                  "starting: handling what fell due while Latchkey was stopped")))
              .addServlet("/metrics", new MetricsServlet(metrics));
      http.start();
      opened.add(http::stop);

      // Before serving: decisions written in card threads while stopped (they count from when they
      // were written,
      // so they go before the time-outs), then what fell due, reconciliation and role checks.
      slack.start();
      int replayed = slack.threadReplay().replayPendingThreads();
      if (replayed > 0) {
        log.info("applied {} written decisions made while Latchkey was stopped", replayed);
      }
      timers.catchUp();
      for (String problem : service.checkEnabledRoles()) {
        log.warn("enabled role problem: {}", problem);
      }
      slack.cardSync().syncOutOfDate();

      slackGate.open();
      timers.start();
      log.info(
          "Latchkey ready on port {} serving {} customer(s), {} cluster(s)",
          http.port(),
          config.customers().all().size(),
          refs.size());
      return new Latchkey(
          database, clusters, executor, slack, service, timers, http, metrics, auditMonitor);
    } catch (Exception | Error e) {
      for (AutoCloseable c : opened.reversed()) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static List<String> readinessProblems(
      Database database, FabricClusterAccess clusters, List<ClusterRef> refs) {
    List<String> problems = new ArrayList<>();
    if (!database.ping()) {
      problems.add("database: not reachable");
    }
    for (ClusterRef ref : refs) {
      clusters.unreachable(ref).ifPresent(why -> problems.add("cluster " + ref + ": " + why));
    }
    return problems;
  }

  private static void registerGauges(
      PrometheusMeterRegistry metrics,
      Database database,
      AccessService service,
      LatchkeyConfig config) {
    for (RequestState state :
        List.of(RequestState.PENDING, RequestState.APPROVED, RequestState.ACTIVE)) {
      Gauge.builder(
              "latchkey.requests",
              () -> {
                long count = 0;
                for (Customer customer : config.customers().all()) {
                  count +=
                      database.requests().findOpen(customer.id()).stream()
                          .filter(AccessRequest::isOpen)
                          .filter(r -> r.state() == state)
                          .count();
                }
                return count;
              })
          .description("Open requests by state")
          .tag("state", state.name().toLowerCase(java.util.Locale.ROOT))
          .register(metrics);
    }
    Gauge.builder("latchkey.revocations.overdue", () -> service.overdueRevocations().size())
        .description(
            "Grants still in a cluster more than 60 s after their end (removal failing, or not yet"
                + " ended)")
        .register(metrics);
  }

  public int port() {
    return http.port();
  }

  public AccessService service() {
    return service;
  }

  public Database database() {
    return database;
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  /**
   * Graceful stop: no new Slack requests, work in flight finished, timers stopped; the next start
   * picks up.
   */
  @Override
  public void close() {
    log.info("Latchkey stopping");
    try {
      http.stop();
    } catch (Exception e) {
      log.warn("stopping the HTTP server: {}", e.toString());
    }
    timers.close();
    slack.finishInteractiveWork(); // decisions in flight queue notices on the executor below
    executor.shutdown();
    try {
      if (!executor.awaitTermination(20, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    slack.close();
    clusters.close();
    auditMonitor.close();
    database.close();
    log.info("Latchkey stopped");
  }
}
