package dev.latchkey.core.request;

import dev.latchkey.core.Actor;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An approver's yes or no on a request, as it reached Latchkey.
 *
 * @param details what the adapter records with it (a written reply's text and permalink)
 * @param madeAt when the decision was made, if earlier than it reached Latchkey (a written reply
 *     read back after a restart): if between the request's creation and now, it decides whether the
 *     decision was in the pending window, and where the access window starts
 * @param writtenReply the message ts of a written reply: one reply decides once, however often it
 *     is delivered or read back
 */
public record Decision(
    RequestId id,
    Actor.SlackUser approver,
    Verdict verdict,
    DecisionMethod method,
    Map<String, String> details,
    Optional<Instant> madeAt,
    Optional<String> writtenReply) {
  public Decision {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(approver, "approver");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(method, "method");
    details = Map.copyOf(details);
    Objects.requireNonNull(madeAt, "madeAt");
    Objects.requireNonNull(writtenReply, "writtenReply");
  }

  /** A button click: counts when it arrives. */
  public static Decision click(RequestId id, Actor.SlackUser approver, Verdict verdict) {
    return new Decision(
        id, approver, verdict, DecisionMethod.BUTTON, Map.of(), Optional.empty(), Optional.empty());
  }

  public enum Verdict {
    APPROVE,
    DENY
  }
}
