package dev.latchkey.bot.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.slack.api.app_backend.interactive_components.payload.BlockActionPayload;
import com.slack.api.app_backend.views.payload.ViewSubmissionPayload;
import com.slack.api.bolt.context.builtin.ActionContext;
import com.slack.api.bolt.context.builtin.ViewSubmissionContext;
import com.slack.api.bolt.request.builtin.BlockActionRequest;
import com.slack.api.bolt.request.builtin.ViewSubmissionRequest;
import com.slack.api.bolt.response.Response;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Customer;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.RevokeAccess;
import dev.latchkey.core.request.SubmitRequest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The card's buttons (approve, deny, revoke) and the request form's submission. Each acknowledges
 * at once and does the work on the executor: one use case of the core, whose refusals go back to
 * the person who clicked as an ephemeral message. The card itself is updated by the notifier from
 * the stored state.
 */
final class CardActions {
  private static final Logger log = LoggerFactory.getLogger(CardActions.class);

  enum Kind {
    APPROVE,
    DENY,
    REVOKE
  }

  private final UseCases core;
  private final SlackApi api;
  private final SlackIdentities identities;
  private final Executor executor;

  CardActions(UseCases core, SlackApi api, SlackIdentities identities, Executor executor) {
    this.core = core;
    this.api = api;
    this.identities = identities;
    this.executor = executor;
  }

  /** {@code repeated}: whether Slack delivered this click before; then nothing is done. */
  Response click(
      Kind kind, BlockActionRequest request, ActionContext ctx, BooleanSupplier repeated) {
    BlockActionPayload payload = request.getPayload();
    JsonNode raw = Payloads.interaction(request.getRequestBodyAsString());
    Optional<String> userId = Payloads.text(raw, "user/id");
    Optional<String> channel =
        Optional.ofNullable(payload.getChannel())
            .map(BlockActionPayload.Channel::getId)
            .or(
                () ->
                    Optional.ofNullable(payload.getContainer())
                        .map(BlockActionPayload.Container::getChannelId))
            .filter(c -> !c.isBlank());
    if (userId.isEmpty()) {
      return BadRequests.of("The block_actions payload lacks user.id.");
    }
    if (channel.isEmpty()) {
      return BadRequests.of("The block_actions payload lacks the channel.");
    }
    if (payload.getActions() == null
        || payload.getActions().isEmpty()
        || payload.getActions().getFirst() == null) {
      return BadRequests.of("The block_actions payload names no action.");
    }
    String value = Optional.ofNullable(payload.getActions().getFirst().getValue()).orElse("");
    Optional<RequestId> id = RequestId.parse(value);
    try {
      executor.execute(
          () -> {
            if (repeated.getAsBoolean()) {
              return;
            }
            if (id.isEmpty()) {
              ephemeral(
                  channel.get(),
                  userId.get(),
                  ":warning: This button does not belong to a known request.");
              return;
            }
            try (var context = LogContext.request(id.get())) {
              decide(kind, id.get(), userId.get(), channel.get());
            } catch (RuntimeException e) {
              try (var context = LogContext.request(id.get())) {
                log.error("{} of {} failed", kind, value, e);
              }
              ephemeral(channel.get(), userId.get(), Texts.internalError());
            }
          });
    } catch (RejectedExecutionException e) {
      return BadRequests.text(503, "Latchkey is shutting down; try again in a minute.");
    }
    return ctx.ack();
  }

  private void decide(Kind kind, RequestId id, String userId, String channel) {
    Optional<Customer> customer =
        core.queries()
            .find(id)
            .flatMap(r -> core.settings().customer(r.cluster().customer()))
            .or(() -> core.settings().customers().byChannel(channel));
    Actor.SlackUser actor;
    switch (identities.resolve(userId, customer)) {
      case SlackIdentities.Identity.Known known -> actor = known.actor();
      case SlackIdentities.Identity.Unknown unknown -> {
        log.warn("{} of {} by {} not decided: {}", kind, id, userId, unknown.why());
        ephemeral(channel, userId, Texts.identityUnknown());
        return;
      }
    }
    Optional<String> text =
        switch (kind) {
          case APPROVE ->
              feedback(core.decide().decide(Decision.click(id, actor, Decision.Verdict.APPROVE)));
          case DENY ->
              feedback(core.decide().decide(Decision.click(id, actor, Decision.Verdict.DENY)));
          case REVOKE -> feedback(core.revoke().revoke(id, actor));
        };
    text.ifPresent(t -> ephemeral(channel, actor.userId(), t));
  }

  /** What the clicker is told; the card and its thread tell everyone else. */
  static Optional<String> feedback(DecideRequest.Result outcome) {
    return switch (outcome) {
      case DecideRequest.Result.Refused refused ->
          Optional.of(Texts.refused(RefusalTexts.Situation.DECIDE, refused.refusal()));
      case DecideRequest.Result.AlreadyDecided already ->
          Optional.of(Texts.alreadyDecided(already.request()));
      case DecideRequest.Result.NotFound notFound -> Optional.of(notFound(notFound.typedId()));
      case DecideRequest.Result.AwaitingMoreApprovals waiting ->
          Optional.of(
              ":ballot_box_with_check: Your approval of "
                  + Mrkdwn.code(waiting.request().id().value())
                  + " is recorded ("
                  + waiting.given()
                  + " of "
                  + waiting.required()
                  + "); another approver must approve too.");
      case DecideRequest.Result.Approved approved
          when approved.request().state() == RequestState.FAILED ->
          Optional.of(
              ":x: Approved, but the grant failed: "
                  + Mrkdwn.truncate(
                      Mrkdwn.escape(approved.request().failure().orElse("unknown error")), 1500));
      case DecideRequest.Result.Approved approved -> Optional.empty();
      case DecideRequest.Result.Denied denied -> Optional.empty();
      // Only written replies are counted or deferred; a click never is.
      case DecideRequest.Result.AlreadyCounted counted -> Optional.empty();
      case DecideRequest.Result.Deferred deferred -> Optional.empty();
    };
  }

  static Optional<String> feedback(RevokeAccess.Result outcome) {
    return switch (outcome) {
      case RevokeAccess.Result.Refused refused ->
          Optional.of(Texts.refused(RefusalTexts.Situation.REVOKE, refused.refusal()));
      case RevokeAccess.Result.AlreadyEnded already ->
          Optional.of(Texts.alreadyDecided(already.request()));
      case RevokeAccess.Result.NotFound notFound -> Optional.of(notFound(notFound.typedId()));
      case RevokeAccess.Result.Revoked revoked -> Optional.empty();
    };
  }

  private static String notFound(String typedId) {
    return ":warning: Request " + Mrkdwn.escape(typedId) + " does not exist.";
  }

  // ---------------------------------------------------------------- request form

  /** {@code repeated}: whether Slack delivered this submission before; then nothing is done. */
  Response submitForm(
      ViewSubmissionRequest request, ViewSubmissionContext ctx, BooleanSupplier repeated) {
    ViewSubmissionPayload payload = request.getPayload();
    JsonNode raw = Payloads.interaction(request.getRequestBodyAsString());
    Optional<String> userId = Payloads.text(raw, "user/id");
    if (userId.isEmpty() || payload.getView() == null) {
      return BadRequests.of("The view_submission payload lacks user.id or the view.");
    }
    String channel = Optional.ofNullable(payload.getView().getPrivateMetadata()).orElse("");
    Optional<Customer> customer = core.settings().customers().byChannel(channel);
    if (customer.isEmpty()) {
      return repeated.getAsBoolean()
          ? ctx.ack()
          : ctx.ackWithErrors(
              Map.of(
                  RequestModal.REASON,
                  "This form no longer belongs to a support channel; "
                      + "run /access request again in the channel."));
    }
    RequestModal.Read read = RequestModal.read(payload.getView().getState());
    if (read instanceof RequestModal.Read.Errors errors) {
      return repeated.getAsBoolean() ? ctx.ack() : ctx.ackWithErrors(errors.byBlock());
    }
    RequestModal.Read.Form form = (RequestModal.Read.Form) read;
    String user = userId.get();
    try {
      executor.execute(
          () -> {
            if (repeated.getAsBoolean()) {
              return;
            }
            try {
              Requester requester;
              switch (identities.resolve(user, customer)) {
                case SlackIdentities.Identity.Known known ->
                    requester = new Requester(known.actor(), known.email());
                case SlackIdentities.Identity.Unknown unknown -> {
                  ephemeral(channel, user, Texts.identityUnknown());
                  return;
                }
              }
              SubmitRequest.Result outcome =
                  core.submit()
                      .submit(
                          new Submission(
                              customer.get().id(),
                              form.cluster(),
                              form.role(),
                              form.duration(),
                              form.namespaces(),
                              requester,
                              form.reason()));
              String text =
                  switch (outcome) {
                    case SubmitRequest.Result.Submitted s ->
                        CommandReplies.submitted(s.request(), false);
                    case SubmitRequest.Result.Refused refused ->
                        Texts.refused(RefusalTexts.Situation.SUBMIT, refused.refusal());
                  };
              ephemeral(channel, user, text);
            } catch (RuntimeException e) {
              log.error("request form submission failed", e);
              ephemeral(channel, user, Texts.internalError());
            }
          });
    } catch (RejectedExecutionException e) {
      return ctx.ackWithErrors(
          Map.of(RequestModal.REASON, "Latchkey is shutting down; try again in a minute."));
    }
    return ctx.ack();
  }

  private void ephemeral(String channel, String user, String text) {
    try {
      api.postEphemeral(channel, user, Optional.empty(), text);
    } catch (SlackCallException e) {
      log.warn("ephemeral answer to {} not delivered: {}", user, e.error());
    }
  }
}
