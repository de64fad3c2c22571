package dev.latchkey.bot.slack;

import com.slack.api.bolt.App;
import com.slack.api.bolt.AppConfig;
import com.slack.api.model.event.MessageEvent;
import dev.latchkey.bot.http.SlackEventsServlet;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.ApproverDirectory;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.SessionUseCases;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latchkey's Slack side, wired. The core's {@link UseCases} need the {@link Notifier} and {@link
 * ApproverDirectory}, and the Slack handlers need the use cases, so wiring takes two steps:
 *
 * <pre>{@code
 * SlackSurface.Foundation slack = SlackSurface.foundation(settings,
 *     SlackApi.create(settings).withFailureListener(metrics), customers, requests, cards, audit,
 *     sessions, clock, ticker, retryPolicy, pool);
 * UseCases core = UseCases.wire(new UseCases.Ports(customers, requests, enablements, audit,
 *     clusters, slack.notifier(), slack.approverDirectory()), clock, random, retryPolicy);
 * SlackSurface surface = slack.complete(core);
 * surface.cardSync().syncOutOfDate();          // at start-up, then periodically
 * surface.threadReplay().replayPendingThreads(); // at start-up, before serving
 * httpServer.addServlet(HttpServer.SLACK_EVENTS_PATH, surface.servlet());
 * }</pre>
 *
 * *
 *
 * <p>Two kinds of work run after Slack is answered, on separate threads so one cannot stall the
 * other: what a person waits for (the follow-up of a command, click, form or written reply:
 * decisions, grants, views.open, answers) runs on the surface's own {@value #INTERACTIVE_THREADS}
 * interactive threads; card updates, thread notices and direct messages run on the given
 * (background) executor, and reschedule themselves on rate limits instead of sleeping.
 */
public final class SlackSurface implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SlackSurface.class);
  static final int INTERACTIVE_THREADS = 8;
  private static final Duration FINISH_WORK = Duration.ofSeconds(20);

  private final Foundation foundation;
  private final App app;
  private final ThreadReplay threadReplay;
  private final ExecutorService interactive;
  private volatile SlackEventsServlet servlet;

  private SlackSurface(
      Foundation foundation, App app, ThreadReplay threadReplay, ExecutorService interactive) {
    this.foundation = foundation;
    this.app = app;
    this.threadReplay = threadReplay;
    this.interactive = interactive;
  }

  /**
   * Step one: what the core's use cases need from Slack, over {@code api} ({@link SlackApi#create},
   * with a failure listener for metrics; tests use one that does not really wait between retries).
   *
   * @param ticker elapsed time in nanoseconds, for pacing Slack calls (e.g. {@code
   *     System::nanoTime})
   * @param retry the retry policy the core is wired with (cards show a removal as overdue after its
   *     {@link RetryPolicy#overdueNotice()})
   */
  public static Foundation foundation(
      SlackSettings settings,
      SlackApi api,
      Customers customers,
      RequestStore requests,
      CardStore cards,
      AuditLog audit,
      SessionStore sessions,
      Clock clock,
      LongSupplier ticker,
      RetryPolicy retry,
      ExecutorService executor) {
    return new Foundation(
        settings, api, customers, requests, cards, audit, sessions, clock, ticker, retry, executor);
  }

  /** The Slack pieces the core's use cases need (they need no use case themselves). */
  public static final class Foundation {
    private final SlackSettings settings;
    private final SlackApi api;
    private final Customers customers;
    private final RequestStore requests;
    private final CardStore cards;
    private final AuditLog audit;
    private final SessionStore sessions;
    private final Clock clock;
    private final RetryPolicy retry;
    private final ExecutorService executor;
    private final SlackIdentities identities;
    private final CardSessionsReader cardSessions;
    private final CardSync cardSync;
    private final SlackNotifier notifier;
    private final SlackApproverDirectory directory;
    private volatile DeliveryLog deliveries = DeliveryLog.inMemory();
    private volatile Clock wallClock = Clock.systemUTC();

    private Foundation(
        SlackSettings settings,
        SlackApi api,
        Customers customers,
        RequestStore requests,
        CardStore cards,
        AuditLog audit,
        SessionStore sessions,
        Clock clock,
        LongSupplier ticker,
        RetryPolicy retry,
        ExecutorService executor) {
      this.settings = Objects.requireNonNull(settings, "settings");
      this.api = Objects.requireNonNull(api, "api");
      this.customers = Objects.requireNonNull(customers, "customers");
      this.requests = Objects.requireNonNull(requests, "requests");
      this.cards = Objects.requireNonNull(cards, "cards");
      this.audit = Objects.requireNonNull(audit, "audit");
      this.sessions = Objects.requireNonNull(sessions, "sessions");
      this.clock = Objects.requireNonNull(clock, "clock");
      this.retry = Objects.requireNonNull(retry, "retry");
      this.executor = Objects.requireNonNull(executor, "executor");
      this.identities = new SlackIdentities(api);
      this.cardSessions = new CardSessionsReader(sessions);
      this.cardSync =
          new CardSync(
              api,
              customers,
              requests,
              cards,
              cardSessions::read,
              clock,
              Objects.requireNonNull(ticker, "ticker"),
              retry,
              executor);
      this.notifier =
          new SlackNotifier(api, cardSync, customers, new KeyedSerialExecutor(executor));
      this.directory = new SlackApproverDirectory(api);
    }

    public Notifier notifier() {
      return notifier;
    }

    public ApproverDirectory approverDirectory() {
      return directory;
    }

    public CardSync cardSync() {
      return cardSync;
    }

    /**
     * Keeps the Slack deliveries already handled in {@code log} (the database, so a delivery
     * replayed after a restart or to another replica is recognised) instead of this process's
     * memory. Call before {@link #complete}.
     */
    public Foundation rememberDeliveriesIn(DeliveryLog log) {
      this.deliveries = Objects.requireNonNull(log, "log");
      return this;
    }

    /**
     * The real time Slack's request timestamps are checked against and deliveries are dated by (the
     * system clock unless given; tests move one by hand). Call before {@link #complete}.
     */
    public Foundation wallClock(Clock clock) {
      this.wallClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Step two: the Bolt app and its handlers on top of the core's use cases. The session use cases
     * (a grant's activity, recordings for approvers) are wired here: their only Slack needs, the
     * approver directory and the private delivery of recordings, are this foundation's.
     */
    public SlackSurface complete(UseCases core) {
      Objects.requireNonNull(core, "core");
      ExecutorService interactive =
          Executors.newFixedThreadPool(
              INTERACTIVE_THREADS,
              Thread.ofPlatform().name("latchkey-slack-", 0).daemon().factory());
      SessionUseCases sessionUseCases =
          SessionUseCases.wire(
              new SessionUseCases.Ports(
                  customers, requests, sessions, audit, directory, new SlackRecordingDelivery(api)),
              clock);
      AccessCommands commands =
          new AccessCommands(
              core,
              sessionUseCases,
              cardSessions::read,
              api,
              identities,
              interactive,
              clock,
              retry);
      CardActions actions = new CardActions(core, api, identities, interactive);
      WrittenDecisions decisions = new WrittenDecisions(core, cards, api, identities, interactive);
      ThreadReplay replay =
          new ThreadReplay(customers, requests, cards, api, decisions, interactive);
      decisions.onDeferred(replay::retryLater);

      AppConfig config =
          AppConfig.builder()
              .singleTeamBotToken(settings.botToken())
              .signingSecret(settings.signingSecret())
              .slack(api.slack())
              // auth.test once, on the first request (or start()); never again in the
              // acknowledgement path
              .authTestCacheExpirationMillis(-1L)
              // Bolt would look up every bot message's author (bots.info) before the
              // acknowledgement, so a slow Slack
              // would hold it past 3 s; Latchkey ignores bots' messages itself, on every path.
              .ignoringSelfEventsEnabled(false)
              .allEventsApiAutoAckEnabled(true)
              .subtypedMessageEventsAutoAckEnabled(true)
              .unmatchedRequestHandler(
                  request ->
                      BadRequests.text(
                          404,
                          "No handler for this Slack request (unknown command, action id or"
                              + " callback id)."))
              .build();
      // No app.use(...): adding middleware builds Bolt's default chain at once, which calls
      // auth.test during
      // wiring; left alone, Bolt does that on the first request (or start()).
      App app = new App(config);
      RepeatedDeliveryGuard guard = new RepeatedDeliveryGuard(deliveries, wallClock);
      // Memory alone before the acknowledgement; the durable check where the handler answers or
      // acts.
      app.command(
          "/access",
          (req, ctx) ->
              guard.seenHere(req) ? ctx.ack() : commands.handle(req, ctx, guard.once(req)));
      for (CardActions.Kind kind : CardActions.Kind.values()) {
        app.blockAction(
            RequestCard.actionId(kind),
            (req, ctx) ->
                guard.seenHere(req) ? ctx.ack() : actions.click(kind, req, ctx, guard.once(req)));
      }
      app.viewSubmission(
          RequestModal.CALLBACK_ID,
          (req, ctx) ->
              guard.seenHere(req) ? ctx.ack() : actions.submitForm(req, ctx, guard.once(req)));
      app.event(
          MessageEvent.class,
          (payload, ctx) -> {
            Optional<String> eventId =
                Optional.ofNullable(payload.getEventId()).filter(id -> !id.isBlank());
            return eventId.isPresent() && guard.seenHereEvent(eventId.get())
                ? ctx.ack()
                : decisions.onMessage(payload, ctx, repeatedEvent(guard, eventId));
          });
      app.event(
          BroadcastReply.class,
          (payload, ctx) -> {
            Optional<String> eventId =
                Optional.ofNullable(payload.getEventId()).filter(id -> !id.isBlank());
            return eventId.isPresent() && guard.seenHereEvent(eventId.get())
                ? ctx.ack()
                : decisions.onBroadcast(payload, ctx, repeatedEvent(guard, eventId));
          });
      return new SlackSurface(this, app, replay, interactive);
    }
  }

  /** An event without an id cannot be recognised again: it counts as new. */
  private static BooleanSupplier repeatedEvent(
      RepeatedDeliveryGuard guard, Optional<String> eventId) {
    return eventId.map(guard::onceEvent).orElse(() -> false);
  }

  public App app() {
    return app;
  }

  /** The servlet for {@code /slack/events} (size limit, signature check, then Bolt). */
  public synchronized SlackEventsServlet servlet() {
    if (servlet == null) {
      servlet =
          new SlackEventsServlet(
              app, foundation.settings.signingSecret(), foundation.wallClock::millis);
    }
    return servlet;
  }

  public Notifier notifier() {
    return foundation.notifier;
  }

  public ApproverDirectory approverDirectory() {
    return foundation.directory;
  }

  public CardSync cardSync() {
    return foundation.cardSync;
  }

  public ThreadReplay threadReplay() {
    return threadReplay;
  }

  /**
   * Checks the bot token (auth.test) now instead of on the first request; false (and a warning)
   * when Slack cannot be reached, in which case the first request tries again.
   */
  public boolean start() {
    try {
      app.start();
      return true;
    } catch (RuntimeException e) {
      log.warn("Slack app not started yet: {}", e.getMessage());
      return false;
    }
  }

  /**
   * Lets the work people wait for (decisions, answers) finish, up to 20 s, and takes no more. Call
   * it after the HTTP server stopped and before the background executor is shut down: that work
   * queues notices there.
   */
  public void finishInteractiveWork() {
    interactive.shutdown();
    try {
      if (!interactive.awaitTermination(FINISH_WORK.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Slack work still running after {} s; stopping it", FINISH_WORK.toSeconds());
        interactive.shutdownNow();
      }
    } catch (InterruptedException e) {
      interactive.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    try {
      app.stop();
    } catch (RuntimeException e) {
      log.debug("stopping the Slack app: {}", e.toString());
    }
    finishInteractiveWork();
    threadReplay.close();
    foundation.cardSync.close();
  }
}
