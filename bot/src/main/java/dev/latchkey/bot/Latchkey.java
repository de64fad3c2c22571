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
import dev.latchkey.bot.ops.PrivateFiles;
import dev.latchkey.bot.ops.Readiness;
import dev.latchkey.bot.ops.RequestGauges;
import dev.latchkey.bot.ops.SlackApiMetrics;
import dev.latchkey.bot.ops.StartingGate;
import dev.latchkey.bot.slack.DeliveryLog;
import dev.latchkey.bot.slack.RefusalTexts;
import dev.latchkey.bot.slack.SlackApi;
import dev.latchkey.bot.slack.SlackSettings;
import dev.latchkey.bot.slack.SlackSurface;
import dev.latchkey.bot.socket.SocketModeLink;
import dev.latchkey.bot.timers.Timers;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.k8s.ClusterConnection;
import dev.latchkey.k8s.FabricClusterAccess;
import dev.latchkey.storage.AuditSink;
import dev.latchkey.storage.Database;
import dev.latchkey.storage.JsonLinesAuditSink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
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
  private static final Duration READINESS_WATCH = Duration.ofSeconds(1);

  private final Database database;
  private final FabricClusterAccess clusters;
  private final ExecutorService executor;
  private final SlackSurface slack;
  private final UseCases core;
  private final Timers timers;
  private final Optional<HttpServer> http;
  private final Optional<SocketModeLink> link;
  private final HttpServer management;
  private final ScheduledExecutorService readinessWatch;
  private final PrometheusMeterRegistry metrics;
  private final AuditChainMonitor auditMonitor;

  private Latchkey(
      Database database,
      FabricClusterAccess clusters,
      ExecutorService executor,
      SlackSurface slack,
      UseCases core,
      Timers timers,
      Optional<HttpServer> http,
      Optional<SocketModeLink> link,
      HttpServer management,
      ScheduledExecutorService readinessWatch,
      PrometheusMeterRegistry metrics,
      AuditChainMonitor auditMonitor) {
    this.database = database;
    this.clusters = clusters;
    this.executor = executor;
    this.slack = slack;
    this.core = core;
    this.timers = timers;
    this.http = http;
    this.link = link;
    this.management = management;
    this.readinessWatch = readinessWatch;
    this.metrics = metrics;
    this.auditMonitor = auditMonitor;
  }

  public static Latchkey start(Settings settings, LatchkeyConfig config, Clock clock)
      throws Exception {
    return start(settings, config, clock, ClusterConnector::connect);
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
      // Clusters first: a kubeconfig or context problem stops start-up before any database file
      // (or data directory) is created, and every cluster's problem is listed at once.
      Map<ClusterRef, ClusterConnection> connections =
          ClusterConnector.connectAll(config.connections(), connector, opened);

      // Reasons, emails and approvers are on disk: directories 0700, files 0600 (PrivateFiles).
      List<AuditSink> sinks = new ArrayList<>();
      sinks.add(JsonLinesAuditSink.stdout());
      if (config.auditFile().isPresent()) {
        PrivateFiles.prepareFile(config.auditFile().get());
        sinks.add(new JsonLinesAuditSink(config.auditFile().get()));
      }
      String url = settings.databaseUrl().orElse(config.databaseUrl());
      PrivateFiles.prepareDatabase(url);
      // The one source of elapsed time (pacing retries and periodic work; it decides nothing): the
      // domain's time is the clock.
      LongSupplier ticker = System::nanoTime;
      RetryPolicy retry = RetryPolicy.DEFAULT;
      Database database =
          Database.builder(url)
              .credentials(
                  settings.databaseUser().orElse(""), settings.databasePassword().orElse(""))
              .sinks(sinks)
              .clock(clock)
              .ticker(ticker)
              .leadershipLease(settings.leaderLease())
              .open();
      opened.add(database);
      PrivateFiles.restrictDatabase(url);

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
              settings.slackBotToken(),
              settings.slackSigningSecret(),
              settings.slackApiUrl(),
              settings.slackAppToken());
      SlackSurface.Foundation foundation =
          SlackSurface.foundation(
              slackSettings,
              SlackApi.create(slackSettings).withFailureListener(new SlackApiMetrics(metrics)),
              config.customers(),
              database.requests(),
              database.cards(),
              database.audit(),
              database.sessions(),
              clock,
              ticker,
              retry,
              executor);
      opened.add(foundation.cardSync());
      // Deliveries already handled are kept in the database: a signed request replayed after a
      // restart, or to another replica, is recognised.
      foundation.rememberDeliveriesIn(
          DeliveryLog.of(
              database.seenDeliveries()::seenBefore, database.seenDeliveries()::forgetBefore));
      Notifier notifier = new MeteredNotifier(foundation.notifier(), metrics);
      ClusterAccess clusterAccess = new MeteredClusterAccess(clusters, metrics);
      // The session gateway, for clusters with gateway credentials: closed before the database,
      // so every open session's end is recorded.
      Optional<GatewayWiring> gateway =
          GatewayWiring.start(
              settings.gateway(), config, connections, database, notifier, clock, System::nanoTime);
      gateway.ifPresent(opened::add);
      UseCases core =
          UseCases.wire(
              new UseCases.Ports(
                  config.customers(),
                  database.requests(),
                  database.enablements(),
                  database.audit(),
                  gateway
                      .map(g -> g.kubeconfigsThroughGateway(clusterAccess))
                      .orElse(clusterAccess),
                  gateway.map(g -> g.cuttingAtTheEnd(notifier)).orElse(notifier),
                  foundation.approverDirectory()),
              clock,
              new SecureRandom(),
              retry);
      SlackSurface slack = foundation.complete(core);
      opened.add(slack);

      List<ClusterRef> refs = List.copyOf(connections.keySet());
      // Real elapsed time, not the domain clock: this paces Slack calls, it decides nothing.
      AtomicLong lastRepair = new AtomicLong(ticker.getAsLong());
      Runnable repairCards =
          () -> {
            long now = ticker.getAsLong();
            if (now - lastRepair.get() >= CARD_REPAIR_PERIOD.toNanos()) {
              lastRepair.set(now);
              slack.cardSync().syncOutOfDate();
            }
          };
      Timers timers =
          new Timers(
              core,
              refs,
              config.reconcileInterval(),
              ref -> {
                Optional<String> why = clusters.unreachable(ref);
                why.ifPresent(reason -> log.warn("cluster {} does not answer: {}", ref, reason));
                return why.isEmpty();
              },
              List.of(repairCards),
              database.leadership());
      opened.add(timers);

      // Health first, so the process is seen alive while it catches up; Slack waits until then
      // (over HTTP behind the gate, in Socket Mode by not connecting yet).
      RequestGauges.register(metrics, database, core, config);
      Optional<SocketModeLink> link =
          settings
              .slackAppToken()
              .map(
                  token ->
                      new SocketModeLink(
                          slack.app(),
                          SocketModeLink.opener(slack.app().slack(), token),
                          SocketModeLink.RECONNECT));
      link.ifPresent(opened::add);
      AtomicInteger slackPort = new AtomicInteger(-1);
      AtomicInteger managementPort = new AtomicInteger(-1);
      Readiness readiness =
          new Readiness(
              () -> readinessProblems(database, clusters, refs, link),
              () ->
                  log.info(
                      "Latchkey ready: Slack {}, health and metrics on {}:{}, {} customer(s), {}"
                          + " cluster(s){}",
                      link.isPresent() ? "over Socket Mode" : "on port " + slackPort.get(),
                      settings.managementAddress(),
                      managementPort.get(),
                      config.customers().all().size(),
                      refs.size(),
                      gateway
                          .map(g -> ", session gateway on port " + g.gateway().port())
                          .orElse("")));
      HttpServer management =
          new HttpServer(settings.managementAddress(), settings.managementPort())
              .addServlet("/healthz", HealthServlet.liveness())
              .addServlet("/readyz", HealthServlet.readiness(readiness::problems))
              .addServlet("/metrics", new MetricsServlet(metrics));
      management.start();
      opened.add(management::stop);
      managementPort.set(management.port());
      // HTTP mode only: the servlet checks Slack's signatures, which Socket Mode has none of.
      Optional<StartingGate> slackGate =
          link.isPresent() ? Optional.empty() : Optional.of(new StartingGate(slack.servlet()));
      Optional<HttpServer> http = Optional.empty();
      if (slackGate.isPresent()) {
        HttpServer server =
            new HttpServer(settings.port())
                .addServlet(HttpServer.SLACK_EVENTS_PATH, slackGate.get());
        server.start();
        opened.add(server::stop);
        slackPort.set(server.port());
        http = Optional.of(server);
      }

      // Before serving: decisions written in card threads while stopped (they count from when they
      // were written, so they go before the time-outs), then what fell due, reconciliation and role
      // checks.
      slack.start();
      int replayed = slack.threadReplay().replayPendingThreads();
      if (replayed > 0) {
        log.info("applied {} written decisions made while Latchkey was stopped", replayed);
      }
      timers.catchUp();
      List<String> reachingLatchkey = new ArrayList<>();
      for (Refusal problem : core.roles().enabledRoleProblems()) {
        String text = RefusalTexts.text(RefusalTexts.Situation.SWITCH, problem);
        if (problem.reason() == Refusal.Reason.ROLE_REACHES_LATCHKEY) {
          reachingLatchkey.add("an enabled role: " + text);
        } else {
          log.warn("enabled role problem: {}", text);
        }
      }
      // An enabled role that reaches Latchkey's own pod is a way to everything Latchkey can do: no
      // Slack is served until the configuration or the role is changed.
      if (!reachingLatchkey.isEmpty()) {
        throw new ConfigException(reachingLatchkey);
      }
      if (database.leadership().leads()) {
        slack.cardSync().syncOutOfDate(); // else the leader's housekeeping does
      }

      slackGate.ifPresent(StartingGate::open);
      link.ifPresent(SocketModeLink::start);
      timers.start();
      readiness.started();
      ScheduledExecutorService readinessWatch = readiness.watchUntilReady(READINESS_WATCH);
      opened.add(readinessWatch::shutdownNow);
      return new Latchkey(
          database,
          clusters,
          executor,
          slack,
          core,
          timers,
          http,
          link,
          management,
          readinessWatch,
          metrics,
          auditMonitor);
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
      Database database,
      FabricClusterAccess clusters,
      List<ClusterRef> refs,
      Optional<SocketModeLink> link) {
    List<String> problems = new ArrayList<>();
    link.flatMap(SocketModeLink::problem).ifPresent(problems::add);
    if (!database.ping()) {
      problems.add("database: not reachable");
    }
    for (ClusterRef ref : refs) {
      clusters.unreachable(ref).ifPresent(why -> problems.add("cluster " + ref + ": " + why));
    }
    return problems;
  }

  /** The Slack port ({@code /slack/events}); -1 in Socket Mode, which listens on none. */
  public int port() {
    return http.map(HttpServer::port).orElse(-1);
  }

  /** The management port: {@code /healthz}, {@code /readyz}, {@code /metrics}. */
  public int managementPort() {
    return management.port();
  }

  /** Socket Mode's connections, when Slack is reached that way. */
  public Optional<SocketModeLink> socketMode() {
    return link;
  }

  public UseCases core() {
    return core;
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
    readinessWatch.shutdownNow();
    http.ifPresent(
        server -> {
          try {
            server.stop();
          } catch (Exception e) {
            log.warn("stopping the HTTP server: {}", e.toString());
          }
        });
    link.ifPresent(SocketModeLink::close);
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
    try {
      management.stop();
    } catch (Exception e) {
      log.warn("stopping the management server: {}", e.toString());
    }
    database.close();
    log.info("Latchkey stopped");
  }
}
