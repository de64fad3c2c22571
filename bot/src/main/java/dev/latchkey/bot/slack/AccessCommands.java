package dev.latchkey.bot.slack;

import com.slack.api.app_backend.slash_commands.payload.SlashCommandPayload;
import com.slack.api.bolt.context.builtin.SlashCommandContext;
import com.slack.api.bolt.request.builtin.SlashCommandRequest;
import com.slack.api.bolt.response.Response;
import com.slack.api.model.block.LayoutBlock;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.Customer;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Requester;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.ClusterStatus;
import dev.latchkey.core.request.IssueKubeconfig;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.session.GrantActivity;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.SessionUseCases;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /access} slash command. Parses what was typed and answers typing mistakes in the
 * acknowledgement; everything that reads or changes requests runs after the acknowledgement on the
 * executor, calls one use case of the core and answers through the command's {@code response_url}
 * with the words of {@link CommandReplies}. Nothing is decided here.
 */
final class AccessCommands {
  private static final Logger log = LoggerFactory.getLogger(AccessCommands.class);
  private final UseCases core;
  private final SessionUseCases sessions;
  private final Function<AccessRequest, CardSessions> cardSessions;
  private final SlackApi api;
  private final SlackIdentities identities;
  private final Executor executor;
  private final Clock clock;
  private final RetryPolicy retry;

  AccessCommands(
      UseCases core,
      SessionUseCases sessions,
      Function<AccessRequest, CardSessions> cardSessions,
      SlackApi api,
      SlackIdentities identities,
      Executor executor,
      Clock clock,
      RetryPolicy retry) {
    this.core = core;
    this.sessions = sessions;
    this.cardSessions = cardSessions;
    this.api = api;
    this.identities = identities;
    this.executor = executor;
    this.clock = clock;
    this.retry = retry;
  }

  /**
   * Who typed where, and how to answer them. Their workspace is not taken from the payload (a slash
   * command names only the workspace it was typed in); commands that act resolve it with {@link
   * #acting}.
   */
  record Caller(String userId, Customer customer, String channelId, String responseUrl) {}

  /**
   * {@code repeated}: whether Slack delivered this command before; asked where it is answered with
   * words or acted on, and then nothing is said or done.
   */
  Response handle(SlashCommandRequest request, SlashCommandContext ctx, BooleanSupplier repeated) {
    SlashCommandPayload payload = request.getPayload();
    Optional<String> userId = Optional.ofNullable(payload.getUserId()).filter(s -> !s.isBlank());
    Optional<String> channelId =
        Optional.ofNullable(payload.getChannelId()).filter(s -> !s.isBlank());
    if (userId.isEmpty() || channelId.isEmpty()) {
      return BadRequests.of("The slash command payload lacks user_id or channel_id.");
    }
    Command command = Command.parse(payload.getText());
    if (command instanceof Command.Help) {
      return answer(ctx, repeated, Texts.help());
    }
    if (command instanceof Command.Invalid invalid) {
      return answer(ctx, repeated, Texts.invalid(invalid));
    }
    Optional<Customer> customer = core.settings().customers().byChannel(channelId.get());
    if (customer.isEmpty()) {
      return answer(ctx, repeated, Texts.wrongChannel(core.settings().customers()));
    }
    Caller caller =
        new Caller(
            userId.get(),
            customer.get(),
            channelId.get(),
            Optional.ofNullable(payload.getResponseUrl()).orElse(""));
    if (command instanceof Command.OpenForm) {
      String triggerId = payload.getTriggerId();
      if (triggerId == null || triggerId.isBlank()) {
        return answer(
            ctx,
            repeated,
            Texts.problem(
                "Slack sent no trigger to open the form with; type the request instead.",
                Command.REQUEST_USAGE));
      }
      return later(ctx, repeated, () -> openForm(caller, triggerId));
    }
    return later(ctx, repeated, () -> run(command, caller));
  }

  private static Response answer(SlashCommandContext ctx, BooleanSupplier repeated, String text) {
    return repeated.getAsBoolean() ? ctx.ack() : ctx.ack(text);
  }

  /** Acknowledged at once; the work runs on a worker unless the command was delivered before. */
  private Response later(SlashCommandContext ctx, BooleanSupplier repeated, Runnable work) {
    try {
      executor.execute(
          () -> {
            if (!repeated.getAsBoolean()) {
              work.run();
            }
          });
      return ctx.ack();
    } catch (RejectedExecutionException e) {
      return ctx.ack(":warning: Latchkey is shutting down; try again in a minute.");
    }
  }

  private void openForm(Caller caller, String triggerId) {
    try {
      api.openView(triggerId, RequestModal.view(caller.customer(), caller.channelId()));
    } catch (SlackCallException e) {
      log.warn("views.open failed: {}", e.error());
      answer(
          caller,
          Texts.problem(
              "The request form could not be opened; type the request instead.",
              Command.REQUEST_USAGE),
          List.of(),
          false);
    }
  }

  void run(Command command, Caller caller) {
    try {
      switch (command) {
        case Command.Request r -> acting(caller, who -> submit(caller, who, r));
        case Command.ListOpen l ->
            answer(caller, CommandReplies.list(core.queries().open(caller.customer().id())));
        case Command.Show s -> show(caller, s.id());
        case Command.Cancel c ->
            actingOn(
                caller,
                c.id(),
                who -> CommandReplies.cancel(core.cancel().cancel(c.id(), who.actor())));
        case Command.Revoke c ->
            actingOn(
                caller,
                c.id(),
                who -> CommandReplies.revoke(core.revoke().revoke(c.id(), who.actor())));
        case Command.Extend e ->
            actingOn(
                caller,
                e.id(),
                who -> CommandReplies.extend(core.extend().extend(e.id(), who.actor(), e.by())));
        case Command.Status s -> status(caller, s);
        case Command.Enable e ->
            acting(
                caller,
                who ->
                    switchAccess(
                        caller,
                        e.cluster(),
                        ref ->
                            CommandReplies.enabled(
                                core.enable().enable(ref, who.actor(), e.roles()),
                                e.cluster(),
                                who.actor().userId())));
        case Command.Disable d ->
            acting(
                caller,
                who ->
                    switchAccess(
                        caller,
                        d.cluster(),
                        ref ->
                            CommandReplies.disabled(
                                core.disable().disable(ref, who.actor(), d.now()),
                                d.cluster(),
                                who.actor().userId())));
        case Command.Audit a -> audit(caller, a.id());
        case Command.Kubeconfig k -> kubeconfig(caller, k.id());
        case Command.Activity a -> activity(caller, a.id());
        case Command.Recording rec -> recording(caller, rec.id());
        case Command.Help h -> answer(caller, Texts.help());
        case Command.OpenForm f -> answer(caller, Texts.help());
        case Command.Invalid i -> answer(caller, Texts.invalid(i));
      }
    } catch (RuntimeException e) {
      log.error(
          "/access {} failed",
          command.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT),
          e);
      answer(caller, Texts.internalError());
    }
  }

  // ---------------------------------------------------------------- use cases

  /**
   * Runs {@code work} as the caller's resolved identity; when Slack cannot say who they are,
   * answers so and changes nothing (their workspace decides what they may do, so it is never
   * guessed).
   */
  private void acting(Caller caller, Consumer<SlackIdentities.Identity.Known> work) {
    switch (identities.resolve(caller.userId(), Optional.of(caller.customer()))) {
      case SlackIdentities.Identity.Known known -> work.accept(known);
      case SlackIdentities.Identity.Unknown unknown -> answer(caller, Texts.identityUnknown());
    }
  }

  /** A use case on one of the channel's requests, answered with what {@code work} says. */
  private void actingOn(
      Caller caller, RequestId id, Function<SlackIdentities.Identity.Known, String> work) {
    if (scoped(caller, id).isPresent()) {
      acting(caller, who -> answer(caller, work.apply(who)));
    }
  }

  private void submit(Caller caller, SlackIdentities.Identity.Known who, Command.Request r) {
    Requester requester = new Requester(who.actor(), who.email());
    Submission submission =
        new Submission(
            caller.customer().id(),
            r.cluster(),
            r.role(),
            r.duration(),
            r.namespaces(),
            requester,
            r.reason());
    answer(
        caller,
        switch (core.submit().submit(submission)) {
          case SubmitRequest.Result.Submitted s -> CommandReplies.submitted(s.request(), true);
          case SubmitRequest.Result.Refused refused ->
              Texts.refused(RefusalTexts.Situation.SUBMIT, refused.refusal());
        });
  }

  private void show(Caller caller, RequestId id) {
    scoped(caller, id)
        .ifPresent(
            r -> {
              String description =
                  caller
                      .customer()
                      .cluster(r.cluster().name())
                      .flatMap(p -> p.role(r.role()))
                      .map(RoleDefinition::description)
                      .orElse("");
              RequestCard.Rendered card =
                  RequestCard.render(
                      r,
                      new RequestCard.Context(
                              clock.instant(), description, false, retry.overdueNotice())
                          .withSessions(cardSessions.apply(r)));
              answer(caller, card.text(), card.blocks(), false);
            });
  }

  private void status(Caller caller, Command.Status s) {
    switch (core.status().status(caller.customer(), s.cluster())) {
      case ClusterStatus.Result.Clusters clusters ->
          answer(caller, CommandReplies.status(caller.customer(), clusters.clusters()));
      case ClusterStatus.Result.UnknownCluster unknown ->
          answer(caller, CommandReplies.unknownCluster(unknown.name(), unknown.clusters()));
    }
  }

  private void switchAccess(
      Caller caller, String cluster, Function<ClusterRef, CommandReplies.Reply> useCase) {
    ClusterRef ref;
    try {
      ref = new ClusterRef(caller.customer().id(), cluster);
    } catch (IllegalArgumentException e) {
      answer(caller, CommandReplies.unknownCluster(cluster, caller.customer().clusterNames()));
      return;
    }
    answer(caller, useCase.apply(ref));
  }

  private void audit(Caller caller, RequestId id) {
    core.queries()
        .trail(caller.customer().id(), id)
        .ifPresentOrElse(
            events -> answer(caller, AuditTexts.trail(id, events)),
            () -> answer(caller, Texts.notFound(id.value())));
  }

  private void kubeconfig(Caller caller, RequestId id) {
    if (scoped(caller, id).isPresent()) {
      acting(
          caller,
          who ->
              answer(
                  caller,
                  switch (core.kubeconfig().issue(id, who.actor())) {
                    case IssueKubeconfig.Result.Issued issued ->
                        CommandReplies.kubeconfig(id, issued.request(), issued.kubeconfig());
                    case IssueKubeconfig.Result.Refused refused ->
                        Texts.refused(RefusalTexts.Situation.KUBECONFIG, refused.refusal());
                    case IssueKubeconfig.Result.NotFound notFound ->
                        Texts.notFound(notFound.typedId());
                  }));
    }
  }

  /**
   * A grant's sessions and requests, for its requester and the customer's approvers (checked by the
   * core, which needs the caller's workspace).
   */
  private void activity(Caller caller, RequestId id) {
    acting(
        caller,
        who ->
            answer(
                caller,
                switch (sessions.activity().activity(caller.customer().id(), id, who.actor())) {
                  case GrantActivity.Result.Shown shown -> ActivityReply.of(shown.activity());
                  case GrantActivity.Result.Refused refused ->
                      CommandReplies.Reply.of(
                          Texts.refused(RefusalTexts.Situation.ACTIVITY, refused.refusal()));
                  case GrantActivity.Result.NotFound notFound ->
                      CommandReplies.Reply.of(Texts.notFound(notFound.typedId()));
                }));
  }

  /**
   * A recording for an approver who asks: sent in a direct message by the core's use case; the
   * answer here says only whether it went, never what it holds.
   */
  private void recording(Caller caller, SessionId id) {
    acting(
        caller,
        who ->
            answer(
                caller,
                SessionTexts.recording(
                    sessions.recording().send(caller.customer().id(), id, who.actor()),
                    Command.RECORDING_USAGE)));
  }

  /**
   * The request if it exists and belongs to this channel's customer; otherwise answers "no such
   * request".
   */
  private Optional<AccessRequest> scoped(Caller caller, RequestId id) {
    Optional<AccessRequest> found = core.queries().find(caller.customer().id(), id);
    if (found.isEmpty()) {
      answer(caller, Texts.notFound(id.value()));
    }
    return found;
  }

  // ---------------------------------------------------------------- answering

  private void answer(Caller caller, String text) {
    answer(caller, text, List.of(), false);
  }

  private void answer(Caller caller, CommandReplies.Reply reply) {
    answer(caller, reply.text(), reply.blocks(), reply.inChannel());
  }

  private void answer(Caller caller, String text, List<LayoutBlock> blocks, boolean inChannel) {
    try {
      if (!caller.responseUrl().isBlank()) {
        api.respond(caller.responseUrl(), text, blocks, inChannel);
      } else {
        api.postEphemeral(caller.channelId(), caller.userId(), Optional.empty(), text);
      }
    } catch (SlackCallException e) {
      log.warn("answer to {} not delivered: {}", caller.userId(), e.error());
    }
  }
}
