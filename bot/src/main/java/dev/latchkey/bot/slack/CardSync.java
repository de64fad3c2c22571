package dev.latchkey.bot.slack;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Backoff;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.CardStore.CardRef;
import dev.latchkey.core.port.RequestStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every request's card in Slack in step with the stored request. A card is posted once (its
 * channel and ts saved in the {@link CardStore}) and afterwards only updated in place; a card that
 * may have been posted already (see {@link CardPosting}) is first looked for by its message
 * metadata and adopted if found. What a card shows is always rendered from the store, never from a
 * possibly older copy. The version each card shows is recorded, so a card update that failed or was
 * cut short by a crash stays "out of date" and is made by a later {@link #syncOutOfDate()}.
 *
 * <p>Call {@link #syncOutOfDate()} at start-up and periodically (each change brings its own card up
 * to date); it also runs after a retryable Slack failure, with backoff (1 s doubling to 30 s, or
 * Slack's Retry-After) until Slack answers. Slack is called with the {@linkplain
 * SlackApi#background() background} client: no thread sleeps on a rate limit.
 */
public final class CardSync implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CardSync.class);
  static final int BATCH = 100;
  static final Duration SHOWN_FLUSH_DELAY = Duration.ofMillis(200);

  /**
   * How long an existing card waits for further changes before it is updated (see {@link
   * #syncSoon}).
   */
  static final Duration UPDATE_DELAY = Duration.ofMillis(500);

  /** The same when the change ended access and the removal of its grant is under way. */
  static final Duration REMOVAL_WAIT = Duration.ofSeconds(3);

  private static final int MAX_ROUNDS = 20;

  /** Between repair passes while Slack fails (and between tries to note shown versions). */
  private static final Backoff RETRY = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

  /**
   * Errors after which this version of the card is given up (the message is gone or can no longer
   * change).
   */
  private static final Set<String> GIVE_UP_ON_VERSION =
      Set.of(
          "message_not_found",
          "cant_update_message",
          "edit_window_closed",
          "invalid_blocks",
          "invalid_blocks_format",
          "msg_too_long",
          "no_text");

  /** What one sync did. */
  enum Result {
    SHOWN,
    /** Nothing to show, or a failure retrying cannot fix. */
    SKIPPED,
    /** Slack failed in a way a later try may fix; the card stays out of date. */
    RETRY_LATER
  }

  private final SlackApi api;
  private final Customers customers;
  private final RequestStore requests;
  private final CardStore cards;
  private final Clock clock;
  private final RetryPolicy retryPolicy;
  private final Executor executor;
  private final StripedLocks locks = new StripedLocks(64);
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean again = new AtomicBoolean();

  private final Map<RequestId, Boolean> updatesDue = new ConcurrentHashMap<>();
  private final CardPosting posting;
  private final ShownVersions shown;

  /** Slack's pacing of card calls: the next pass after a failure. */
  private final CardRetries retryTimer;

  /**
   * Cards to redraw for a change of their sessions, which the request's version does not show: an
   * update that failed stays here for the next pass.
   */
  private final Set<RequestId> sessionsBehind = ConcurrentHashMap.newKeySet();

  private final Function<AccessRequest, CardSessions> sessions;
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "latchkey-card-retry");
            t.setDaemon(true);
            return t;
          });

  public CardSync(
      SlackApi api,
      Customers customers,
      RequestStore requests,
      CardStore cards,
      Function<AccessRequest, CardSessions> sessions,
      Clock clock,
      LongSupplier ticker,
      RetryPolicy retryPolicy,
      Executor executor) {
    this.sessions = sessions;
    this.api = api.background();
    this.posting = new CardPosting(this.api, cards, clock);
    this.customers = customers;
    this.requests = requests;
    this.cards = cards;
    this.clock = clock;
    this.retryPolicy = retryPolicy;
    this.executor = executor;
    this.shown = new ShownVersions(cards, retries, SHOWN_FLUSH_DELAY, RETRY.first());
    this.retryTimer =
        new CardRetries(
            RETRY,
            ticker,
            retries,
            () -> {
              try {
                executor.execute(this::syncOutOfDate);
              } catch (RejectedExecutionException e) {
                log.warn("card retry not run: executor is shut down");
              }
            });
  }

  /**
   * Brings every out-of-date card up to date (posting missing ones), oldest change first; returns
   * how many cards were posted or updated. Never throws. Concurrent calls are merged into one pass
   * plus one more.
   */
  public int syncOutOfDate() {
    if (!running.compareAndSet(false, true)) {
      again.set(true);
      return 0;
    }
    int shown = 0;
    try {
      do {
        again.set(false);
        shown += pass();
      } while (again.get());
    } catch (RuntimeException e) {
      log.error("card sync failed", e);
      retryTimer.schedule(Optional.empty());
    } finally {
      running.set(false);
    }
    return shown;
  }

  private int pass() {
    int shown = 0;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      // What this pass (and recent notices) showed is recorded first, in one transaction, so the
      // next query
      // does not find those cards again.
      flushShown();
      List<RequestId> ids = cards.findOutOfDate(BATCH);
      int progressed = 0;
      for (RequestId id : ids) {
        Result result = repair(id);
        if (result == Result.RETRY_LATER) {
          flushShown();
          return shown + progressed;
        }
        if (result == Result.SHOWN) {
          progressed++;
        }
      }
      flushShown();
      shown += progressed;
      if (ids.size() < BATCH || progressed == 0) {
        break;
      }
    }
    for (RequestId id : List.copyOf(sessionsBehind)) {
      if (!updatesDue.containsKey(id) && sessionsBehind.remove(id)) {
        Result result = redrawForSessions(id);
        if (result == Result.RETRY_LATER) {
          break;
        }
        if (result == Result.SHOWN) {
          shown++;
        }
      }
    }
    flushShown();
    return shown;
  }

  /**
   * Posts or updates one request's card from the store, right after its request changed in this
   * process.
   */
  Result sync(RequestId id) {
    try (var context = LogContext.request(id)) {
      return syncLogged(id, false, false);
    }
  }

  /**
   * The same after a change, unless the card already shows the request as stored: a change whose
   * card update was made by an earlier one (several changes in a row, a repair pass) costs a read,
   * not a Slack call.
   */
  Result syncIfBehind(RequestId id) {
    try (var context = LogContext.request(id)) {
      return syncLogged(id, false, true);
    }
  }

  /**
   * After a change: a card not posted yet is posted now; an existing one is updated {@link
   * #UPDATE_DELAY} later ({@link #REMOVAL_WAIT} when access ended and its removal is under way),
   * once, however many changes came meanwhile (an approval and its grant, an expiry and its
   * removal), showing the request as it then stands. Returns at once.
   */
  void syncSoon(RequestId id) {
    if (cards.find(id).isEmpty()) {
      syncIfBehind(id);
      return;
    }
    // Access that just ended has its removal coming (within seconds, or "pending" if the cluster
    // does not
    // answer): wait for it, so the card is updated once, not for the end and again for the removal.
    Duration delay =
        requests.find(id).filter(AccessRequest::revocationPending).isPresent()
            ? REMOVAL_WAIT
            : UPDATE_DELAY;
    if (updatesDue.putIfAbsent(id, Boolean.TRUE) != null) {
      return; // an update is on its way and will show this change too
    }
    updateLater(id, delay);
  }

  /**
   * After a gateway session of the request opened or ended: its card is redrawn {@link
   * #UPDATE_DELAY} later (though its request did not change), once for all session changes and
   * request changes meanwhile. Costs no read and no Slack call now, so the gateway can call it on
   * every session; a card not posted yet shows the sessions when it is.
   */
  void sessionsChanged(RequestId id) {
    sessionsBehind.add(id);
    if (updatesDue.putIfAbsent(id, Boolean.TRUE) == null) {
      updateLater(id, UPDATE_DELAY);
    }
  }

  private void updateLater(RequestId id, Duration delay) {
    try {
      retries.schedule(
          () -> {
            try {
              executor.execute(
                  () -> {
                    updatesDue.remove(id); // changes from now on get an update of their own
                    if (sessionsBehind.remove(id)) {
                      redrawForSessions(id);
                    } else {
                      syncIfBehind(id);
                    }
                  });
            } catch (RejectedExecutionException e) {
              updatesDue.remove(id);
            }
          },
          delay.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      updatesDue.remove(id);
    }
  }

  /**
   * Redraws a posted card whatever version it shows; kept for the next pass when Slack asks to
   * wait.
   */
  private Result redrawForSessions(RequestId id) {
    if (cards.find(id).isEmpty()) {
      return Result.SKIPPED; // it shows the sessions when it is posted
    }
    Result result = sync(id);
    if (result == Result.RETRY_LATER) {
      sessionsBehind.add(id);
    }
    return result;
  }

  /**
   * The same, from a repair pass (periodic, start-up, retry): it may find cards other processes are
   * posting.
   */
  private Result repair(RequestId id) {
    if (updatesDue.containsKey(id)) {
      return Result.SKIPPED; // its update is already on the way (see syncSoon)
    }
    try (var context = LogContext.request(id)) {
      // Found out of date a moment ago; a notice may have brought it up to date since.
      return syncLogged(id, true, true);
    }
  }

  private Result syncLogged(RequestId id, boolean repair, boolean onlyIfBehind) {
    return locks.locked(
        id,
        () -> {
          Optional<AccessRequest> found = requests.find(id);
          if (found.isEmpty()) {
            return Result.SKIPPED;
          }
          AccessRequest r = found.get();
          if (onlyIfBehind && shown.shown(id) >= r.version()) {
            return Result.SHOWN;
          }
          Optional<Customer> customer = customers.find(r.cluster().customer());
          if (customer.isEmpty()) {
            log.warn(
                "request {} belongs to customer {} which is no longer configured; its card is left"
                    + " as is",
                id,
                r.cluster().customer());
            return Result.SKIPPED;
          }
          if (retryTimer.mustWait()) {
            retryTimer.schedule(Optional.empty()); // Slack asked to wait: not before then
            return Result.RETRY_LATER;
          }
          RequestCard.Rendered card = RequestCard.render(r, context(r));
          Optional<CardRef> ref = cards.find(id);
          try {
            if (ref.isEmpty()) {
              if (!posting.postOrAdopt(r, customer.get().channelId(), card, repair)) {
                return Result.SKIPPED; // a new request of another process, which posts it
              }
            } else {
              api.update(ref.get().channelId(), ref.get().ts(), card.text(), card.blocks());
            }
            shown.note(id, r.version());
            retryTimer.succeeded();
            return Result.SHOWN;
          } catch (SlackCallException e) {
            if (e.retryable()) {
              log.warn(
                  "card of {} not {} yet: {}; will retry",
                  id,
                  ref.isEmpty() ? "posted" : "updated",
                  e.error());
              retryTimer.schedule(e.retryAfter());
              return Result.RETRY_LATER;
            }
            if (ref.isPresent() && GIVE_UP_ON_VERSION.contains(e.error())) {
              log.error(
                  "card of {} cannot show version {} ({}); skipping this version",
                  id,
                  r.version(),
                  e.error());
              shown.note(id, r.version());
            } else {
              log.error(
                  "card of {} not {}: {} (fix the app's access to the channel; retried on the next"
                      + " sync)",
                  id,
                  ref.isEmpty() ? "posted" : "updated",
                  e.error());
            }
            return Result.SKIPPED;
          }
        });
  }

  /** Where the card of a request is, if it was posted. */
  Optional<CardRef> card(RequestId id) {
    return cards.find(id);
  }

  RequestCard.Context context(AccessRequest r) {
    String description =
        customers
            .policy(r.cluster())
            .flatMap(p -> p.role(r.role()))
            .map(RoleDefinition::description)
            .orElse("");
    return new RequestCard.Context(
        clock.instant(), description, true, retryPolicy.overdueNotice(), sessions.apply(r));
  }

  /**
   * How long the scheduled retry was set to wait, if one is scheduled (for tests and diagnostics).
   */
  Optional<Duration> scheduledRetry() {
    return retryTimer.scheduledWait();
  }

  /** Writes the versions cards were seen to show since the last flush. */
  void flushShown() {
    shown.flush();
  }

  @Override
  public void close() {
    retries.shutdownNow();
    flushShown();
  }
}
