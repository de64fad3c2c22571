package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.slack.api.bolt.request.Request;
import com.slack.api.bolt.request.builtin.BlockActionRequest;
import com.slack.api.bolt.request.builtin.SlashCommandRequest;
import com.slack.api.bolt.request.builtin.ViewSubmissionRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises a delivery Slack already made (a retry carrying {@code X-Slack-Retry-Num}, the same
 * event, command or click again, or a signed request captured and replayed), which is then
 * acknowledged with a plain 200 and nothing else: no second decision, request or ephemeral message.
 * Keys are Slack's own ids (event_id, trigger_id) or, for a command or interaction carrying none,
 * its signature (a replay repeats it byte for byte). They are kept in a {@link DeliveryLog} — the
 * database, so a replay after a restart or to another replica is recognised too — for {@link
 * #WINDOW}, longer than Slack's signature check accepts the same request (its timestamp may be 5
 * minutes off either way, so at most 10 minutes pass between the first and the last time it is
 * accepted) and than Slack's retries (the last about 5 minutes after the first); then the signature
 * check refuses it anyway.
 *
 * <p>This process's memory is asked first, so a retry to the same process costs no database call.
 * The database is asked off the acknowledgement's path ({@link #once}): where the handler first
 * answers with words or acts, usually on a worker after the plain acknowledgement, since that write
 * waits for every other commit and would otherwise hold every answer to Slack behind them. When the
 * log cannot answer (the database is down, or the table is not writable), the delivery is handled
 * as new after memory said so, and the failure is logged: the core's conditional, audited
 * transitions still keep decisions, revocations and switches to one effect.
 */
final class RepeatedDeliveryGuard {
  private static final Logger log = LoggerFactory.getLogger(RepeatedDeliveryGuard.class);
  static final Duration WINDOW = Duration.ofMinutes(15);
  static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
  private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9._=-]{1,150}");

  private final Cache<String, Boolean> memory =
      Caffeine.newBuilder().expireAfterWrite(WINDOW).maximumSize(200_000).build();
  private final DeliveryLog seen;
  private final Clock clock;
  private final AtomicReference<Instant> lastPruned = new AtomicReference<>(Instant.MIN);

  /** {@code clock}: real time, the one Slack's request timestamps are compared with. */
  RepeatedDeliveryGuard(DeliveryLog seen, Clock clock) {
    this.seen = seen;
    this.clock = clock;
  }

  /**
   * True when this process already handled the delivery (a retry of Slack's, or a replay to the
   * same process): from memory alone, so the acknowledgement waits for no database.
   */
  boolean seenHere(Request<?> req) {
    return key(req)
        .or(() -> signatureKey(req))
        .map(k -> memory.getIfPresent(storable(k)) != null)
        .orElse(false);
  }

  /** The same for an event. */
  boolean seenHereEvent(String eventId) {
    return memory.getIfPresent(storable("event:" + eventId)) != null;
  }

  /**
   * The whole check of one delivery, memory then database, made the first time it is asked (where
   * the handler first answers with words or acts) and remembered for the rest of its handling.
   */
  BooleanSupplier once(Request<?> req) {
    return memoized(() -> repeated(req));
  }

  /** The same for an event. */
  BooleanSupplier onceEvent(String eventId) {
    return memoized(() -> repeatedEvent(eventId));
  }

  private static BooleanSupplier memoized(BooleanSupplier check) {
    AtomicReference<Boolean> answer = new AtomicReference<>();
    return () -> {
      synchronized (answer) {
        if (answer.get() == null) {
          answer.set(check.getAsBoolean());
        }
        return answer.get();
      }
    };
  }

  /** True when this delivery was seen before: the caller acknowledges and does nothing else. */
  boolean repeated(Request<?> req) {
    Optional<String> key = key(req).or(() -> signatureKey(req));
    if (key.isPresent() && seenBefore(key.get())) {
      log.info(
          "repeated Slack delivery {} (retry {}) acknowledged without effect",
          key.get(),
          Optional.ofNullable(req.getHeaders().getFirstValue("X-Slack-Retry-Num")).orElse("none"));
      return true;
    }
    return false;
  }

  /** The same for an event, by its event_id (every event has one). */
  boolean repeatedEvent(String eventId) {
    if (seenBefore("event:" + eventId)) {
      log.info("repeated Slack event {} acknowledged without effect", eventId);
      return true;
    }
    return false;
  }

  private boolean seenBefore(String rawKey) {
    String key = storable(rawKey);
    if (memory.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
      return true;
    }
    Instant now = clock.instant();
    try {
      boolean before = seen.seenBefore(key, now);
      prune(now);
      return before;
    } catch (RuntimeException e) {
      log.error(
          "could not check whether Slack delivery {} was seen before ({}); handling it once in"
              + " this process",
          key,
          e.getMessage());
      return false;
    }
  }

  /** Forgets keys older than the window, at most once every {@link #PRUNE_EVERY}. */
  private void prune(Instant now) {
    Instant last = lastPruned.get();
    if (now.isBefore(last.plus(PRUNE_EVERY)) || !lastPruned.compareAndSet(last, now)) {
      return;
    }
    try {
      seen.forgetBefore(now.minus(WINDOW));
    } catch (RuntimeException e) {
      log.warn("old Slack deliveries could not be forgotten: {}", e.getMessage());
    }
  }

  /** Slack's id for a command, click or form submission. */
  static Optional<String> key(Request<?> req) {
    return switch (req) {
      case SlashCommandRequest command ->
          Optional.ofNullable(command.getPayload().getTriggerId())
              .filter(t -> !t.isBlank())
              .map(t -> "command:" + t);
      case BlockActionRequest action ->
          Payloads.text(Payloads.interaction(action.getRequestBodyAsString()), "trigger_id")
              .map(t -> "action:" + t);
      case ViewSubmissionRequest view ->
          Payloads.text(Payloads.interaction(view.getRequestBodyAsString()), "trigger_id")
              .map(t -> "view:" + t);
      default -> Optional.empty();
    };
  }

  /** The request's Slack signature: a replay repeats it, a new request never does. */
  static Optional<String> signatureKey(Request<?> req) {
    return Optional.ofNullable(req.getHeaders())
        .map(h -> h.getFirstValue("X-Slack-Signature"))
        .filter(s -> !s.isBlank())
        .map(s -> "signature:" + s);
  }

  /**
   * A key as stored: {@code kind:id} when the id is short and plain, else {@code kind#<sha256>}.
   */
  static String storable(String key) {
    int colon = key.indexOf(':');
    String kind = key.substring(0, colon);
    String id = key.substring(colon + 1);
    return PLAIN_ID.matcher(id).matches() ? key : kind + "#" + ReplyText.sha256(id);
  }
}
