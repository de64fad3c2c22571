package dev.latchkey.bot.slack;

import com.slack.api.app_backend.events.payload.EventsApiPayload;
import com.slack.api.bolt.context.builtin.EventContext;
import com.slack.api.bolt.response.Response;
import com.slack.api.model.event.MessageEvent;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AccessService;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.Outcome;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.CardStore;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emergency written approval: a reply in a card's thread whose first word is approve/approved or deny/denied (any
 * case, punctuation around it ignored) decides the request exactly as the button would, after the same checks,
 * recorded with method {@code thread_reply}, the message ts, its permalink and the verbatim text. Other replies
 * change nothing; decision replies by anyone who may not decide are refused (and audited by the core) and get a
 * short answer in the thread. A reply whose ts the request's audit trail already holds is not applied again.
 */
final class WrittenDecisions {
  private static final Logger log = LoggerFactory.getLogger(WrittenDecisions.class);

  enum Decision {
    APPROVE,
    DENY
  }

  /** One message in a thread, as Slack reported it. */
  record Reply(String channel, String threadTs, String ts, String userId, String text) {}

  private final AccessService service;
  private final Customers customers;
  private final CardStore cards;
  private final AuditLog audit;
  private final SlackApi api;
  private final SlackIdentities identities;
  private final Executor executor;

  WrittenDecisions(AccessService service, Customers customers, CardStore cards, AuditLog audit, SlackApi api,
      SlackIdentities identities, Executor executor) {
    this.service = service;
    this.customers = customers;
    this.cards = cards;
    this.audit = audit;
    this.api = api;
    this.identities = identities;
    this.executor = executor;
  }

  /** The first word as a decision: {@code Approved.}, {@code *approve*}, {@code DENY!} ... */
  static Optional<Decision> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String stripped = text.strip();
    if (stripped.isEmpty()) {
      return Optional.empty();
    }
    String first = stripped.split("\\s+", 2)[0];
    int start = 0;
    int end = first.length();
    while (start < end && !Character.isLetter(first.charAt(start))) {
      start++;
    }
    while (end > start && !Character.isLetter(first.charAt(end - 1))) {
      end--;
    }
    String word = first.substring(start, end).toLowerCase(Locale.ROOT);
    return switch (word) {
      case "approve", "approved" -> Optional.of(Decision.APPROVE);
      case "deny", "denied" -> Optional.of(Decision.DENY);
      default -> Optional.empty();
    };
  }

  /** A message event: ignores bots, edits and other subtypes, and messages outside a thread. */
  Response onMessage(EventsApiPayload<MessageEvent> payload, EventContext ctx) {
    MessageEvent event = payload.getEvent();
    if (event == null || event.getSubtype() != null || event.getBotId() != null || event.getUser() == null
        || event.getThreadTs() == null || event.getThreadTs().equals(event.getTs()) || event.getChannel() == null
        || event.getTs() == null) {
      return ctx.ack();
    }
    if (parse(event.getText()).isEmpty()) {
      return ctx.ack();
    }
    Reply reply = new Reply(event.getChannel(), event.getThreadTs(), event.getTs(), event.getUser(),
        event.getText());
    try {
      executor.execute(() -> {
        try {
          apply(reply, true);
        } catch (RuntimeException e) {
          log.error("written decision {} failed", reply.ts(), e);
        }
      });
    } catch (RejectedExecutionException e) {
      return BadRequests.text(503, "Latchkey is shutting down.");
    }
    return ctx.ack();
  }

  /**
   * Applies one reply if it is a written decision on a card. {@code live} replies also get a short answer when the
   * request was already decided; replayed ones do not.
   */
  Optional<Outcome> apply(Reply reply, boolean live) {
    Optional<Decision> decision = parse(reply.text());
    if (decision.isEmpty()) {
      return Optional.empty();
    }
    Optional<RequestId> id = cards.findByMessage(reply.channel(), reply.threadTs());
    if (id.isEmpty()) {
      return Optional.empty();
    }
    if (alreadyRecorded(id.get(), reply.ts())) {
      return Optional.empty();
    }
    Optional<AccessRequest> request = service.find(id.get());
    Optional<Customer> customer = request.flatMap(r -> customers.find(r.cluster().customer()));
    Optional<Actor.SlackUser> actor = switch (identities.resolve(reply.userId(), customer)) {
      case SlackIdentities.Identity.Known known -> Optional.of(known.actor());
      case SlackIdentities.Identity.Unknown unknown -> Optional.empty();
    };
    if (actor.isEmpty()) {
      log.warn("written decision {} skipped: the author's workspace is unknown", reply.ts());
      return Optional.empty();
    }
    String permalink = "";
    try {
      permalink = api.permalink(reply.channel(), reply.ts()).orElse("");
    } catch (SlackCallException e) {
      log.info("permalink of {} not available: {}", reply.ts(), e.error());
    }
    Map<String, String> details = Map.of("message_ts", reply.ts(), "permalink", permalink, "text", reply.text());
    Outcome outcome;
    try (var context = LogContext.request(id.get())) {
      outcome = decision.get() == Decision.APPROVE
          ? service.approve(id.get(), actor.get(), DecisionMethod.THREAD_REPLY, details)
          : service.deny(id.get(), actor.get(), DecisionMethod.THREAD_REPLY, details);
    }
    Optional<String> answer = switch (outcome) {
      case Outcome.Refused refused -> Optional.of(Mrkdwn.user(actor.get().userId()) + " "
          + Mrkdwn.escape(refused.refusal().message()) + " Nothing changed.");
      case Outcome.AlreadyDecided already when live -> Optional.of(Texts.alreadyDecided(already.request()));
      default -> Optional.empty();
    };
    answer.ifPresent(text -> {
      try {
        api.postMessage(reply.channel(), Optional.of(reply.threadTs()), text, java.util.List.of());
      } catch (SlackCallException e) {
        log.warn("thread answer to {} not posted: {}", reply.ts(), e.error());
      }
    });
    return Optional.of(outcome);
  }

  /** Whether this message already decided, or was refused, on this request (Slack retries, restarts). */
  private boolean alreadyRecorded(RequestId id, String ts) {
    for (StoredAuditEvent stored : audit.forRequest(id)) {
      if (ts.equals(stored.event().details().get("message_ts"))) {
        return true;
      }
    }
    return false;
  }
}
