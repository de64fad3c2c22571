package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.slack.api.bolt.request.Request;
import com.slack.api.bolt.request.builtin.BlockActionRequest;
import com.slack.api.bolt.request.builtin.SlashCommandRequest;
import com.slack.api.bolt.request.builtin.ViewSubmissionRequest;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises a delivery Slack already made (a retry carrying {@code X-Slack-Retry-Num}, or the same
 * event, command or click again), which is then acknowledged with a plain 200 and nothing else: no
 * second decision, no second ephemeral message. Keys are Slack's own ids (event_id, trigger_id),
 * remembered for {@link #MEMORY}. Across a restart the core's idempotent transitions and the audit
 * check of written decisions still prevent a second effect.
 */
final class RepeatedDeliveryGuard {
  private static final Logger log = LoggerFactory.getLogger(RepeatedDeliveryGuard.class);
  static final Duration MEMORY = Duration.ofMinutes(30);

  private final Cache<String, Boolean> seen =
      Caffeine.newBuilder().expireAfterWrite(MEMORY).maximumSize(200_000).build();

  /** True when this delivery was seen before: the caller acknowledges and does nothing else. */
  boolean repeated(Request<?> req) {
    Optional<String> key = key(req);
    if (key.isPresent() && seen.asMap().putIfAbsent(key.get(), Boolean.TRUE) != null) {
      log.info(
          "repeated Slack delivery {} (retry {}) acknowledged without effect",
          key.get(),
          Optional.ofNullable(req.getHeaders().getFirstValue("X-Slack-Retry-Num")).orElse("none"));
      return true;
    }
    return false;
  }

  /** The same for an event, by its event_id. */
  boolean repeatedEvent(String eventId) {
    if (seen.asMap().putIfAbsent("event:" + eventId, Boolean.TRUE) != null) {
      log.info("repeated Slack event {} acknowledged without effect", eventId);
      return true;
    }
    return false;
  }

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
}
