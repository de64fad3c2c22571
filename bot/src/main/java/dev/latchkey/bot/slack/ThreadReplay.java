package dev.latchkey.bot.slack;

import com.slack.api.model.Message;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Backoff;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.CardStore.CardRef;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.request.DecideRequest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Written decisions read back from the threads. At start-up, before serving, the threads of every
 * pending card are read (conversations.replies) and their decision replies applied in the order
 * they were written, exactly as if they had arrived live; replies already recorded are skipped, and
 * the core answers decisions on a request that is no longer pending with "already decided".
 *
 * <p>A reply that could not be checked because Slack did not answer (see {@link
 * WrittenDecisions.Result.Deferred}) stops its thread there, so later replies never overtake it,
 * and the thread is read again by {@link #retryLater}: after {@link #FIRST_RETRY}, doubling up to
 * {@link #MAX_RETRY}, for as long as the request is pending (at most {@link #MAX_RETRIES} times).
 */
public final class ThreadReplay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ThreadReplay.class);
  static final Duration FIRST_RETRY = Duration.ofSeconds(10);
  static final Duration MAX_RETRY = Duration.ofMinutes(5);
  static final int MAX_RETRIES = 40;

  private final Customers customers;
  private final RequestStore requests;
  private final CardStore cards;
  private final SlackApi api;
  private final WrittenDecisions decisions;
  private final Executor executor;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("latchkey-thread-retry").daemon().factory());
  private final ConcurrentMap<RequestId, Due> due = new ConcurrentHashMap<>();
  private volatile Backoff backoff = new Backoff(FIRST_RETRY, MAX_RETRY);

  ThreadReplay(
      Customers customers,
      RequestStore requests,
      CardStore cards,
      SlackApi api,
      WrittenDecisions decisions,
      Executor executor) {
    this.customers = customers;
    this.requests = requests;
    this.cards = cards;
    this.api = api;
    this.decisions = decisions;
    this.executor = executor;
  }

  /**
   * Applies missed written decisions; returns how many replies decided or counted. Never throws.
   */
  public int replayPendingThreads() {
    int applied = 0;
    for (Customer customer : customers.all()) {
      List<AccessRequest> pending;
      try {
        pending =
            requests.findOpen(customer.id()).stream()
                .filter(r -> r.state() == RequestState.PENDING)
                .toList();
      } catch (RuntimeException e) {
        log.error("pending requests of {} could not be read", customer.id(), e);
        continue;
      }
      for (AccessRequest r : pending) {
        Pass pass = replayThread(r.id());
        applied += pass.applied();
        if (pass.waits()) {
          retryLater(r.id());
        }
      }
    }
    if (applied > 0) {
      log.info("applied {} written decisions made while Latchkey was not running", applied);
    }
    return applied;
  }

  /**
   * What one reading of a thread did: replies that decided or counted, and whether one has to wait.
   */
  record Pass(int applied, boolean waits) {}

  /** Reads one pending request's thread and applies what it holds. Never throws. */
  Pass replayThread(RequestId id) {
    try (var context = LogContext.request(id)) {
      Optional<AccessRequest> r = requests.find(id).filter(x -> x.state() == RequestState.PENDING);
      Optional<CardRef> card = cards.find(id);
      if (r.isEmpty() || card.isEmpty()) {
        return new Pass(0, false);
      }
      return replay(r.get(), card.get());
    } catch (RuntimeException e) {
      log.error("replaying the thread of {} failed", id, e);
      return new Pass(0, false);
    }
  }

  /**
   * A thread due to be read again: how often it was, whether a pass runs, whether it must run once
   * more.
   */
  private static final class Due {
    int tries;
    boolean running;
    boolean again;
  }

  /** Reads the request's thread again later: a reply in it could not be checked just now. */
  void retryLater(RequestId id) {
    try (var context = LogContext.request(id)) {
      dueLater(id);
    }
  }

  private void dueLater(RequestId id) {
    due.compute(
        id,
        (key, d) -> {
          if (d == null) {
            schedule(key, 0);
            return new Due();
          }
          if (d.running) {
            d.again =
                true; // the running pass may have read the thread before this reply was written
          }
          return d;
        });
  }

  private void schedule(RequestId id, int tries) {
    Duration wait = backoff.after(tries + 1);
    try {
      timer.schedule(
          () -> {
            try {
              executor.execute(() -> retry(id));
            } catch (RejectedExecutionException e) {
              due.remove(id);
            }
          },
          wait.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.warn("thread of {} not read again: shutting down", id);
    }
  }

  private void retry(RequestId id) {
    try (var context = LogContext.request(id)) {
      retryLogged(id);
    }
  }

  private void retryLogged(RequestId id) {
    due.computeIfPresent(
        id,
        (key, d) -> {
          d.running = true;
          d.again = false;
          return d;
        });
    Pass pass = replayThread(id);
    boolean pending = requests.find(id).map(r -> r.state() == RequestState.PENDING).orElse(false);
    due.computeIfPresent(
        id,
        (key, d) -> {
          d.running = false;
          if (!(pass.waits() || d.again) || !pending) {
            return null;
          }
          if (++d.tries >= MAX_RETRIES) {
            log.error(
                "written decisions in the thread of {} could not be checked after {} tries; they"
                    + " are read again at the next start",
                key,
                d.tries);
            return null;
          }
          schedule(key, d.tries);
          return d;
        });
  }

  /** The requests whose threads are due to be read again (for tests and diagnostics). */
  Set<RequestId> dueForRetry() {
    return Set.copyOf(due.keySet());
  }

  /** Shortens the first wait (tests). */
  void firstRetry(Duration wait) {
    this.backoff = new Backoff(wait, MAX_RETRY);
  }

  private Pass replay(AccessRequest r, CardRef card) {
    List<Message> messages;
    try {
      messages = api.replies(card.channelId(), card.ts());
    } catch (SlackCallException e) {
      log.warn(
          "thread of {} could not be read ({}); its written decisions wait", r.id(), e.error());
      return new Pass(0, e.retryable());
    }
    int applied = 0;
    List<Message> replies =
        messages.stream()
            .filter(m -> m.getTs() != null && !m.getTs().equals(card.ts()))
            .filter(
                m ->
                    WrittenDecisions.decidingSubtype(m.getSubtype())
                        && m.getBotId() == null
                        && m.getUser() != null)
            // Edited: Slack returns only the new text, and live edits are ignored, so neither
            // decides.
            .filter(m -> m.getEdited() == null)
            .filter(m -> DecisionReply.decides(m.getText()))
            .sorted(Comparator.comparing(m -> timestamp(m.getTs())))
            .toList();
    for (Message m : replies) {
      try {
        WrittenDecisions.Result result =
            decisions.apply(
                new WrittenDecisions.Reply(
                    card.channelId(), card.ts(), m.getTs(), m.getUser(), m.getText()),
                false);
        if (result instanceof WrittenDecisions.Result.Deferred) {
          // Later replies must not overtake this one: the whole thread is read again later.
          return new Pass(applied, true);
        }
        if (result instanceof WrittenDecisions.Result.Decided d
            && (d.outcome() instanceof DecideRequest.Result.Approved
                || d.outcome() instanceof DecideRequest.Result.Denied
                || d.outcome() instanceof DecideRequest.Result.AwaitingMoreApprovals)) {
          applied++;
        }
        if (requests.find(r.id()).map(x -> x.state() != RequestState.PENDING).orElse(true)) {
          break;
        }
      } catch (RuntimeException e) {
        log.error("replaying reply {} on {} failed", m.getTs(), r.id(), e);
      }
    }
    return new Pass(applied, false);
  }

  private static BigDecimal timestamp(String ts) {
    try {
      return new BigDecimal(ts);
    } catch (NumberFormatException e) {
      return BigDecimal.ZERO;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
