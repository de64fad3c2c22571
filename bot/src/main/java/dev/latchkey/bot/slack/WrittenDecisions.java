package dev.latchkey.bot.slack;

import com.slack.api.app_backend.events.payload.EventsApiPayload;
import com.slack.api.bolt.context.builtin.EventContext;
import com.slack.api.bolt.response.Response;
import com.slack.api.model.event.MessageEvent;
import com.slack.api.model.event.MessageThreadBroadcastEvent;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Customer;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emergency written approval: a reply in a card's thread (also one sent to the channel as well)
 * that is nothing but a decision ({@link DecisionReply}: {@code approve}, {@code deny}, optionally
 * with the request id) decides the request exactly as the button would, after the same checks,
 * recorded with method {@code thread_reply}, the message ts, its permalink and its text (up to
 * {@value ReplyText#MAX_AUDITED_CHARS} characters, see {@link ReplyText}). A reply that only starts
 * like a decision ({@code Approved? Who asked}) decides nothing and its author is told privately
 * what to write. Only the reply as first written decides: edits are ignored live and an edited
 * reply is skipped on replay (Slack then returns only the edited text), so a decision never depends
 * on whether Latchkey was running. Other replies change nothing; decision replies by anyone who may
 * not decide are refused (and audited by the core) and answered privately to their author. The core
 * counts each reply (by its ts) once, however often Slack delivers it or a replay reads it.
 *
 * <p>When Slack cannot say who wrote a reply (users.info) or whether they hold the approver role
 * (usergroups.users.list), the reply is {@link Result.Deferred deferred}, not refused: nothing is
 * recorded about it, and the thread is read again later ({@link ThreadReplay#retryLater}) until it
 * can be decided.
 */
final class WrittenDecisions {
  private static final Logger log = LoggerFactory.getLogger(WrittenDecisions.class);

  /** One message in a thread, as Slack reported it. */
  record Reply(String channel, String threadTs, String ts, String userId, String text) {}

  /** What became of one reply. */
  sealed interface Result {
    /** Not a decision on a card, or already recorded: nothing to do. */
    record Ignored() implements Result {}

    /** The core decided (which includes refusing the author for good). */
    record Decided(RequestId id, DecideRequest.Result outcome) implements Result {}

    /**
     * The author or their role could not be checked just now; nothing is recorded, try again later.
     */
    record Deferred(RequestId id, String why) implements Result {}
  }

  private static final Result IGNORED = new Result.Ignored();

  private final UseCases core;
  private final CardStore cards;
  private final SlackApi api;
  private final SlackIdentities identities;
  private final Executor executor;

  /**
   * One request's replies are decided one at a time in this process (a live reply racing a replay),
   * so a refused reply is refused once.
   */
  private final StripedLocks locks = new StripedLocks(64);

  private volatile Consumer<RequestId> deferred = id -> {};

  WrittenDecisions(
      UseCases core, CardStore cards, SlackApi api, SlackIdentities identities, Executor executor) {
    this.core = core;
    this.cards = cards;
    this.api = api;
    this.identities = identities;
    this.executor = executor;
  }

  /** Where deferred replies go to be tried again (the thread replay); set once while wiring. */
  void onDeferred(Consumer<RequestId> retry) {
    this.deferred = retry;
  }

  /**
   * A message event. Only original replies in a thread count: bots, edits ({@code message_changed})
   * and other subtypes are ignored, so what decides is what the approver first wrote, the same text
   * a replay reads.
   */
  Response onMessage(
      EventsApiPayload<MessageEvent> payload, EventContext ctx, BooleanSupplier repeated) {
    MessageEvent event = payload.getEvent();
    if (event == null || event.getSubtype() != null || event.getBotId() != null) {
      return ctx.ack();
    }
    return onReply(
        event.getChannel(),
        event.getThreadTs(),
        event.getTs(),
        event.getUser(),
        event.getText(),
        ctx,
        repeated);
  }

  /**
   * A reply also sent to the channel ("Also send to #channel"): a reply like any other, bots
   * ignored alike.
   */
  Response onBroadcast(
      EventsApiPayload<BroadcastReply> payload, EventContext ctx, BooleanSupplier repeated) {
    BroadcastReply event = payload.getEvent();
    if (event == null || event.getBotId() != null) {
      return ctx.ack();
    }
    return onReply(
        event.getChannel(),
        event.getThreadTs(),
        event.getTs(),
        event.getUser(),
        event.getText(),
        ctx,
        repeated);
  }

  /**
   * Which message subtypes can carry a written decision (the rest are edits, joins, bots,
   * files...).
   */
  static boolean decidingSubtype(String subtype) {
    return subtype == null || MessageThreadBroadcastEvent.SUBTYPE_NAME.equals(subtype);
  }

  /** {@code repeated}: whether Slack delivered this event before; then nothing is done. */
  private Response onReply(
      String channel,
      String threadTs,
      String ts,
      String user,
      String text,
      EventContext ctx,
      BooleanSupplier repeated) {
    if (user == null
        || threadTs == null
        || threadTs.equals(ts)
        || channel == null
        || ts == null
        || DecisionReply.read(text) instanceof DecisionReply.Reading.Conversation) {
      return ctx.ack();
    }
    Reply reply = new Reply(channel, threadTs, ts, user, text);
    try {
      executor.execute(
          () -> {
            if (repeated.getAsBoolean()) {
              return;
            }
            try {
              if (apply(reply, true) instanceof Result.Deferred d) {
                deferred.accept(d.id());
              }
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
   * Applies one reply if it is a written decision on a card. {@code live} replies also get a short
   * answer when the request was already decided, or when it has to wait; replayed ones do not.
   */
  Result apply(Reply reply, boolean live) {
    DecisionReply.Reading reading = DecisionReply.read(reply.text());
    if (reading instanceof DecisionReply.Reading.Conversation) {
      return IGNORED;
    }
    Optional<RequestId> id = cards.findByMessage(reply.channel(), reply.threadTs());
    if (id.isEmpty()) {
      return IGNORED;
    }
    try (var context = LogContext.request(id.get())) {
      if (!(reading instanceof DecisionReply.Reading.Decides decides)
          || decides.named().filter(named -> !named.equals(id.get())).isPresent()) {
        if (live) {
          hint(reply, id.get());
        }
        return IGNORED;
      }
      Decision.Verdict verdict =
          switch (decides.decision()) {
            case APPROVE -> Decision.Verdict.APPROVE;
            case DENY -> Decision.Verdict.DENY;
          };
      Result result = locks.locked(id.get(), () -> decide(id.get(), verdict, reply, live));
      if (result instanceof Result.Deferred d) {
        log.warn(
            "written decision {} on {} waits: {}; the thread is read again later",
            reply.ts(),
            id.get(),
            d.why());
        if (live) {
          answer(reply, ":hourglass: " + DEFERRED_TEXT);
        }
      }
      return result;
    }
  }

  static final String DEFERRED_TEXT =
      "Your written decision could not be checked just now (Slack did not answer); Latchkey applies"
          + " it as soon as Slack answers, if the request is still waiting for a decision then. No"
          + " need to write it again.";

  /**
   * Tells the author of a reply that looked like a decision but was not one what to write, while
   * the request still waits for a decision. Not audited: it changed nothing.
   */
  private void hint(Reply reply, RequestId id) {
    if (core.queries().find(id).filter(r -> r.state() == RequestState.PENDING).isEmpty()) {
      return;
    }
    answer(reply, Texts.writtenDecisionHint(id));
  }

  private Result decide(RequestId id, Decision.Verdict verdict, Reply reply, boolean live) {
    Optional<Customer> customer =
        core.queries().find(id).flatMap(r -> core.settings().customer(r.cluster().customer()));
    Actor.SlackUser actor;
    switch (identities.resolve(reply.userId(), customer)) {
      case SlackIdentities.Identity.Known known -> actor = known.actor();
      case SlackIdentities.Identity.Unknown unknown -> {
        return new Result.Deferred(id, "the author's workspace is unknown (" + unknown.why() + ")");
      }
    }
    String permalink = "";
    try {
      permalink = api.permalink(reply.channel(), reply.ts()).orElse("");
    } catch (SlackCallException e) {
      log.info("permalink of {} not available: {}", reply.ts(), e.error());
    }
    // Counted from when it was written, not when Latchkey read it (a replay, a retry after Slack
    // failed).
    DecideRequest.Result outcome =
        core.decide()
            .decide(
                new Decision(
                    id,
                    actor,
                    verdict,
                    DecisionMethod.THREAD_REPLY,
                    details(reply, permalink),
                    writtenAt(reply.ts()),
                    Optional.of(reply.ts())));
    if (outcome instanceof DecideRequest.Result.Deferred) {
      return new Result.Deferred(id, "the approver group could not be read");
    }
    if (outcome instanceof DecideRequest.Result.AlreadyCounted) {
      return IGNORED;
    }
    Optional<String> text =
        switch (outcome) {
          case DecideRequest.Result.Refused refused ->
              Optional.of(
                  ":no_entry_sign: "
                      + Mrkdwn.escape(
                          RefusalTexts.text(RefusalTexts.Situation.DECIDE, refused.refusal()))
                      + " Nothing changed.");
          case DecideRequest.Result.AlreadyDecided already when live ->
              Optional.of(Texts.alreadyDecided(already.request()));
          case DecideRequest.Result.AlreadyDecided already -> Optional.empty();
          case DecideRequest.Result.Approved approved -> Optional.empty();
          case DecideRequest.Result.AwaitingMoreApprovals waiting -> Optional.empty();
          case DecideRequest.Result.Denied denied -> Optional.empty();
          case DecideRequest.Result.NotFound notFound -> Optional.empty();
          case DecideRequest.Result.Deferred deferred -> Optional.empty();
          case DecideRequest.Result.AlreadyCounted counted -> Optional.empty();
        };
    text.ifPresent(t -> answer(reply, t));
    return new Result.Decided(id, outcome);
  }

  /** What the audit keeps of a reply: its permalink and its text, capped ({@link ReplyText}). */
  private static Map<String, String> details(Reply reply, String permalink) {
    Map<String, String> details = new HashMap<>(ReplyText.audited(reply.text()));
    details.put("permalink", permalink);
    return details;
  }

  /**
   * Answers the reply's author only (ephemeral, in the thread): a refusal or "already decided" is
   * for them, and answering in the thread for everyone would let anyone fill the card's thread by
   * writing "approve". The core audits every refusal.
   */
  private void answer(Reply reply, String text) {
    try {
      api.postEphemeral(reply.channel(), reply.userId(), Optional.of(reply.threadTs()), text);
    } catch (SlackCallException e) {
      log.warn("answer to the author of {} not delivered: {}", reply.ts(), e.error());
    }
  }

  /** The instant of a Slack message ts ({@code 1772442100.000200}: seconds and microseconds). */
  static Optional<Instant> writtenAt(String ts) {
    try {
      BigDecimal seconds = new BigDecimal(ts);
      long whole = seconds.longValue();
      long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
      return Optional.of(Instant.ofEpochSecond(whole, nanos));
    } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
      return Optional.empty();
    }
  }
}
