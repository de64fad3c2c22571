package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every request's card in Slack in step with the stored request. A card is posted once (its
 * channel and ts saved in the {@link CardStore}) and afterwards only updated in place; a card that
 * may have been posted already (see {@link #postingNeeds}) is first looked for by its message
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
   * A missing card of a request older than this may have been posted by an earlier run or another
   * process.
   */
  static final Duration LOOK_AFTER = Duration.ofSeconds(30);

  /**
   * How far Slack's clock and ours may disagree when looking for a card posted since its request
   * was made.
   */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(2);

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
  private final OwnBot ownBot;
  private final Customers customers;
  private final RequestStore requests;
  private final CardStore cards;
  private final Clock clock;

  /** Elapsed time in nanoseconds (Retry-After and backoff pacing): it decides nothing. */
  private final LongSupplier ticker;

  private final RetryPolicy retryPolicy;
  private final Executor executor;
  private final StripedLocks locks = new StripedLocks(64);
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean again = new AtomicBoolean();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();

  /** Cards this process tried to post. */
  private final Cache<RequestId, Boolean> attempted =
      Caffeine.newBuilder().expireAfterWrite(Duration.ofDays(1)).maximumSize(100_000).build();

  /** Cards whose post failed in a way that may still have posted them. */
  private final Cache<RequestId, Boolean> uncertain =
      Caffeine.newBuilder().expireAfterWrite(Duration.ofDays(1)).maximumSize(100_000).build();

  /** No card call before this tick: the latest end of a Retry-After Slack gave. */
  private final AtomicLong notBefore;

  /**
   * Versions cards were seen to show, written to the store together every {@link
   * #SHOWN_FLUSH_DELAY} rather than one transaction per card: a crash in between only makes the
   * next repair pass update those cards again.
   */
  private final Map<RequestId, Long> shownPending = new ConcurrentHashMap<>();

  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private final Map<RequestId, Boolean> updatesDue = new ConcurrentHashMap<>();
  private final Object retryLock = new Object();
  private ScheduledFuture<?> retry;
  private long retryAt;
  private volatile Optional<Duration> scheduledWait = Optional.empty();
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
      Clock clock,
      LongSupplier ticker,
      RetryPolicy retryPolicy,
      Executor executor) {
    this.api = api.background();
    this.ownBot = new OwnBot(this.api);
    this.customers = customers;
    this.requests = requests;
    this.cards = cards;
    this.clock = clock;
    this.ticker = ticker;
    this.retryPolicy = retryPolicy;
    this.executor = executor;
    this.notBefore = new AtomicLong(ticker.getAsLong());
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
      scheduleRetry(Optional.empty());
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
    try {
      retries.schedule(
          () -> {
            try {
              executor.execute(
                  () -> {
                    updatesDue.remove(id); // changes from now on get an update of their own
                    syncIfBehind(id);
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

  /** How a missing card may be posted. */
  enum Posting {
    /** Nobody can have posted it: post. */
    POST,
    /**
     * It may have been posted (a failure that left it unknown, another process, a crash): look for
     * it first.
     */
    LOOK_FIRST,
    /**
     * A new request of another process, which posts its card itself; a later pass looks if it never
     * does.
     */
    WAIT_FOR_OWNER
  }

  /**
   * Whether a missing card can be posted right away. The process that stored a request posts its
   * card at once ({@link #sync}); a card is only posted without looking first when nothing can have
   * posted it: this process never had a failure that may have posted it, and it is new (younger
   * than {@link #LOOK_AFTER}) — no crashed run or other replica can have posted it either, since a
   * repair pass leaves new requests it did not try to their own process.
   */
  Posting postingNeeds(AccessRequest r, boolean repair) {
    if (uncertain.getIfPresent(r.id()) != null) {
      return Posting.LOOK_FIRST;
    }
    boolean recent = Duration.between(r.createdAt(), clock.instant()).compareTo(LOOK_AFTER) < 0;
    if (!recent) {
      return Posting.LOOK_FIRST;
    }
    if (repair && attempted.getIfPresent(r.id()) == null) {
      return Posting.WAIT_FOR_OWNER;
    }
    return Posting.POST;
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
          if (onlyIfBehind && shownVersion(id) >= r.version()) {
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
          if (ticker.getAsLong() - notBefore.get() < 0) {
            scheduleRetry(Optional.empty()); // Slack asked to wait: not before then
            return Result.RETRY_LATER;
          }
          RequestCard.Rendered card = RequestCard.render(r, context(r));
          Optional<CardRef> ref = cards.find(id);
          try {
            if (ref.isEmpty()) {
              String channel = customer.get().channelId();
              Optional<String> posted = Optional.empty();
              switch (postingNeeds(r, repair)) {
                case WAIT_FOR_OWNER -> {
                  return Result.SKIPPED;
                }
                case LOOK_FIRST -> posted = lookFor(channel, r);
                case POST -> {}
              }
              if (posted.isPresent()) {
                log.info(
                    "card of {} was posted before (ts {}); updating it instead of posting again",
                    id,
                    posted.get());
                cards.save(id, new CardRef(channel, posted.get()));
                api.update(channel, posted.get(), card.text(), card.blocks());
              } else {
                attempted.put(id, Boolean.TRUE);
                try {
                  String ts = api.postCard(channel, id.value(), card.text(), card.blocks());
                  cards.save(id, new CardRef(channel, ts));
                } catch (SlackCallException e) {
                  if (e.outcomeUnknown()) {
                    uncertain.put(
                        id, Boolean.TRUE); // Slack may have posted it: look before posting again
                  }
                  throw e;
                }
              }
              uncertain.invalidate(id);
            } else {
              api.update(ref.get().channelId(), ref.get().ts(), card.text(), card.blocks());
            }
            noteShown(id, r.version());
            consecutiveFailures.set(0);
            return Result.SHOWN;
          } catch (SlackCallException e) {
            if (e.retryable()) {
              log.warn(
                  "card of {} not {} yet: {}; will retry",
                  id,
                  ref.isEmpty() ? "posted" : "updated",
                  e.error());
              scheduleRetry(e.retryAfter());
              return Result.RETRY_LATER;
            }
            if (ref.isPresent() && GIVE_UP_ON_VERSION.contains(e.error())) {
              log.error(
                  "card of {} cannot show version {} ({}); skipping this version",
                  id,
                  r.version(),
                  e.error());
              noteShown(id, r.version());
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

  /**
   * The card of {@code r} if Slack has it, posted by Latchkey's own bot (another app's message
   * carrying the request's metadata is never adopted: its thread would decide the request). A
   * failure a retry may fix is thrown (the card is not posted blind); one it cannot (the history is
   * not readable, Latchkey's own bot id cannot be learnt) is logged and the card posted, since a
   * card lost for good is worse than one shown twice.
   */
  private Optional<String> lookFor(String channel, AccessRequest r) throws SlackCallException {
    try {
      Optional<OwnBot.Identity> self = ownBot.identity();
      if (self.isEmpty()) {
        log.error(
            "card of {} not looked for: Latchkey's own bot id is unknown (see the auth.test error);"
                + " posting it",
            r.id());
        return Optional.empty();
      }
      return api.findCard(channel, r.id().value(), r.createdAt().minus(CLOCK_SKEW), self.get());
    } catch (SlackCallException e) {
      if (e.retryable()) {
        throw e;
      }
      log.error(
          "could not look for the card of {} before posting it ({}); posting it",
          r.id(),
          e.error());
      return Optional.empty();
    }
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
    return new RequestCard.Context(clock.instant(), description, true, retryPolicy.overdueNotice());
  }

  /**
   * Makes sure a later pass runs: after a backoff (1 s doubling to 30 s), and never before a
   * Retry-After Slack gave. A retry already due sooner is kept, unless Slack now asks to wait
   * longer: the longest Retry-After wins.
   */
  private void scheduleRetry(Optional<Duration> retryAfter) {
    long now = ticker.getAsLong();
    retryAfter.ifPresent(wait -> notBefore.accumulateAndGet(now + wait.toNanos(), Math::max));
    synchronized (retryLock) {
      boolean pending = retry != null && !retry.isDone();
      int failures = pending ? consecutiveFailures.get() : consecutiveFailures.incrementAndGet();
      Duration backoff = RETRY.after(Math.max(failures, 1));
      long at = Math.max(now + backoff.toNanos(), notBefore.get());
      if (pending && retryAt - notBefore.get() >= 0) {
        return; // the retry already due runs no sooner than Slack allows
      }
      if (pending) {
        retry.cancel(false); // due before a longer Retry-After ends: move it
      }
      long delay = Math.max(0, at - now);
      scheduledWait = Optional.of(Duration.ofNanos(delay));
      retryAt = at;
      try {
        retry =
            retries.schedule(
                () -> {
                  synchronized (retryLock) {
                    scheduledWait = Optional.empty();
                  }
                  try {
                    executor.execute(this::syncOutOfDate);
                  } catch (RejectedExecutionException e) {
                    log.warn("card retry not run: executor is shut down");
                  }
                },
                delay,
                TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        scheduledWait = Optional.empty();
      }
    }
  }

  /**
   * How long the scheduled retry was set to wait, if one is scheduled (for tests and diagnostics).
   */
  Optional<Duration> scheduledRetry() {
    return scheduledWait;
  }

  /**
   * The version the card of {@code id} is known to show (recorded, or about to be); -1 without a
   * card.
   */
  private long shownVersion(RequestId id) {
    return Math.max(cards.shownVersion(id).orElse(-1), shownPending.getOrDefault(id, -1L));
  }

  private void noteShown(RequestId id, long version) {
    shownPending.merge(id, version, Math::max);
    if (flushScheduled.compareAndSet(false, true)) {
      try {
        retries.schedule(this::flushShown, SHOWN_FLUSH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        flushScheduled.set(false);
        flushShown();
      }
    }
  }

  /** Writes the versions noted since the last flush; what fails is kept for the next one. */
  void flushShown() {
    flushScheduled.set(false);
    Map<RequestId, Long> batch = new HashMap<>(shownPending);
    if (batch.isEmpty()) {
      return;
    }
    try {
      cards.markShownAll(batch);
      batch.forEach(shownPending::remove); // only those not moved on meanwhile
    } catch (RuntimeException e) {
      log.warn(
          "could not note the versions {} cards show; will try again: {}",
          batch.size(),
          e.toString());
      if (flushScheduled.compareAndSet(false, true)) {
        try {
          retries.schedule(this::flushShown, RETRY.first().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException rejected) {
          flushScheduled.set(false);
        }
      }
    }
  }

  @Override
  public void close() {
    retries.shutdownNow();
    flushShown();
  }
}
