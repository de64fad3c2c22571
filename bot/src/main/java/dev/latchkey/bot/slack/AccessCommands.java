package dev.latchkey.bot.slack;

import com.slack.api.app_backend.slash_commands.payload.SlashCommandPayload;
import com.slack.api.bolt.context.builtin.SlashCommandContext;
import com.slack.api.bolt.request.builtin.SlashCommandRequest;
import com.slack.api.bolt.response.Response;
import com.slack.api.model.block.LayoutBlock;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AccessService;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterOutcome;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialOutcome;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.Durations;
import dev.latchkey.core.Outcome;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Requester;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.Submission;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.RequestStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /access} slash command. Parses what was typed and answers typing mistakes in the
 * acknowledgement; everything that reads or changes requests runs after the acknowledgement on the
 * executor, calls one {@link AccessService} use case and answers through the command's {@code
 * response_url}. Nothing is decided here.
 */
final class AccessCommands {
  private static final Logger log = LoggerFactory.getLogger(AccessCommands.class);
  private static final int MAX_LISTED = 40;
  private static final int MAX_AUDIT_CHARS = 30_000;

  private final AccessService service;
  private final Customers customers;
  private final RequestStore requests;
  private final AuditLog audit;
  private final SlackApi api;
  private final SlackIdentities identities;
  private final Executor executor;
  private final Clock clock;

  AccessCommands(
      AccessService service,
      Customers customers,
      RequestStore requests,
      AuditLog audit,
      SlackApi api,
      SlackIdentities identities,
      Executor executor,
      Clock clock) {
    this.service = service;
    this.customers = customers;
    this.requests = requests;
    this.audit = audit;
    this.api = api;
    this.identities = identities;
    this.executor = executor;
    this.clock = clock;
  }

  /**
   * Who typed where, and how to answer them. Their workspace is not taken from the payload (a slash
   * command names only the workspace it was typed in); commands that act resolve it with {@link
   * #acting}.
   */
  record Caller(String userId, Customer customer, String channelId, String responseUrl) {}

  Response handle(SlashCommandRequest request, SlashCommandContext ctx) {
    SlashCommandPayload payload = request.getPayload();
    Optional<String> userId = Optional.ofNullable(payload.getUserId()).filter(s -> !s.isBlank());
    Optional<String> channelId =
        Optional.ofNullable(payload.getChannelId()).filter(s -> !s.isBlank());
    if (userId.isEmpty() || channelId.isEmpty()) {
      return BadRequests.of("The slash command payload lacks user_id or channel_id.");
    }
    Command command = Command.parse(payload.getText());
    if (command instanceof Command.Help) {
      return ctx.ack(Texts.help());
    }
    if (command instanceof Command.Invalid invalid) {
      return ctx.ack(Texts.invalid(invalid));
    }
    Optional<Customer> customer = customers.byChannel(channelId.get());
    if (customer.isEmpty()) {
      return ctx.ack(Texts.wrongChannel(customers));
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
        return ctx.ack(
            Texts.problem(
                "Slack sent no trigger to open the form with; type the request instead.",
                Command.REQUEST_USAGE));
      }
      return later(ctx, () -> openForm(caller, triggerId));
    }
    return later(ctx, () -> run(command, caller));
  }

  private Response later(SlashCommandContext ctx, Runnable work) {
    try {
      executor.execute(work);
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
        case Command.ListOpen l -> list(caller);
        case Command.Show s -> show(caller, s.id());
        case Command.Cancel c ->
            scoped(caller, c.id(), Command.CANCEL_USAGE)
                .ifPresent(
                    r ->
                        acting(
                            caller,
                            who ->
                                answer(
                                    caller,
                                    outcome(
                                        service.cancel(c.id(), who.actor()),
                                        Command.CANCEL_USAGE))));
        case Command.Revoke c ->
            scoped(caller, c.id(), Command.REVOKE_USAGE)
                .ifPresent(
                    r ->
                        acting(
                            caller,
                            who ->
                                answer(
                                    caller,
                                    outcome(
                                        service.revoke(c.id(), who.actor()),
                                        Command.REVOKE_USAGE))));
        case Command.Extend e ->
            scoped(caller, e.id(), Command.EXTEND_USAGE)
                .ifPresent(
                    r ->
                        acting(
                            caller,
                            who ->
                                answer(
                                    caller,
                                    outcome(
                                        service.extend(e.id(), who.actor(), e.by()),
                                        Command.EXTEND_USAGE))));
        case Command.Status s -> status(caller, s);
        case Command.Enable e ->
            acting(
                caller,
                who ->
                    change(
                        caller,
                        who,
                        e.cluster(),
                        Command.ENABLE_USAGE,
                        ref -> service.enable(ref, who.actor(), e.roles())));
        case Command.Disable d ->
            acting(
                caller,
                who ->
                    change(
                        caller,
                        who,
                        d.cluster(),
                        Command.DISABLE_USAGE,
                        ref -> service.disable(ref, who.actor(), d.now())));
        case Command.Audit a -> audit(caller, a.id());
        case Command.Kubeconfig k -> kubeconfig(caller, k.id());
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
  private void acting(
      Caller caller, java.util.function.Consumer<SlackIdentities.Identity.Known> work) {
    switch (identities.resolve(caller.userId(), Optional.of(caller.customer()))) {
      case SlackIdentities.Identity.Known known -> work.accept(known);
      case SlackIdentities.Identity.Unknown unknown -> answer(caller, Texts.identityUnknown());
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
        switch (service.submit(submission)) {
          case Outcome.Submitted s ->
              ":inbox_tray: Request "
                  + Mrkdwn.code(s.request().id().value())
                  + " ("
                  + Mrkdwn.escape(s.request().role())
                  + " on "
                  + Mrkdwn.escape(s.request().cluster().name())
                  + ", "
                  + Durations.format(s.request().duration())
                  + ") is posted for approval in this channel. It expires if "
                  + "nobody answers by "
                  + Mrkdwn.date(s.request().pendingExpiresAt())
                  + ".";
          case Outcome.Refused refused -> Texts.refused(refused.refusal(), Command.REQUEST_USAGE);
          default -> Texts.internalError();
        });
  }

  private void list(Caller caller) {
    List<AccessRequest> open = requests.findOpen(caller.customer().id());
    if (open.isEmpty()) {
      answer(caller, "No pending or active requests in this channel.");
      return;
    }
    List<LayoutBlock> blocks = new ArrayList<>();
    blocks.add(RequestCard.section("*Pending and active requests* (" + open.size() + ")"));
    for (AccessRequest r : open.subList(0, Math.min(open.size(), MAX_LISTED))) {
      blocks.add(RequestCard.section(RequestCard.summaryLine(r)));
    }
    if (open.size() > MAX_LISTED) {
      blocks.add(
          RequestCard.section(
              "…and "
                  + (open.size() - MAX_LISTED)
                  + " more. Use `/access show <id>`.".replace("<id>", "&lt;id&gt;")));
    }
    answer(caller, open.size() + " pending or active requests", blocks, false);
  }

  private void show(Caller caller, RequestId id) {
    scoped(caller, id, Command.SHOW_USAGE)
        .ifPresent(
            r -> {
              String description =
                  caller
                      .customer()
                      .cluster(r.cluster().name())
                      .flatMap(p -> p.role(r.role()))
                      .map(dev.latchkey.core.RoleDefinition::description)
                      .orElse("");
              RequestCard.Rendered card =
                  RequestCard.render(
                      r, RequestCard.Context.card(clock.instant(), description).readOnly());
              answer(caller, card.text(), card.blocks(), false);
            });
  }

  private void status(Caller caller, Command.Status s) {
    List<ClusterPolicy> clusters;
    if (s.cluster().isPresent()) {
      Optional<ClusterPolicy> one = caller.customer().cluster(s.cluster().get());
      if (one.isEmpty()) {
        answer(
            caller,
            Texts.problem(
                "Unknown cluster "
                    + s.cluster().get()
                    + ". Clusters: "
                    + String.join(", ", caller.customer().clusterNames())
                    + ".",
                Command.STATUS_USAGE));
        return;
      }
      clusters = List.of(one.get());
    } else {
      clusters = List.copyOf(caller.customer().clusters().values());
    }
    StringBuilder out =
        new StringBuilder(
            "*Support access of " + Mrkdwn.escape(caller.customer().id().value()) + "*");
    for (ClusterPolicy policy : clusters) {
      ClusterEnablement state = service.enablement(policy.cluster());
      long active = requests.findHoldingAccess(policy.cluster()).size();
      out.append("\n• *")
          .append(Mrkdwn.escape(policy.cluster().name()))
          .append("* — ")
          .append(
              state.enabled()
                  ? ":large_green_circle: enabled for "
                      + Mrkdwn.escape(
                          state.roles().stream().sorted().collect(Collectors.joining(", ")))
                  : ":red_circle: disabled")
          .append(" · active grants: ")
          .append(active)
          .append(" · roles offered: ")
          .append(Mrkdwn.escape(String.join(", ", policy.roles().keySet())))
          .append(" · credentials: ")
          .append(policy.credentials().name().toLowerCase(java.util.Locale.ROOT));
      state
          .changedBy()
          .ifPresent(
              by ->
                  out.append(" · last changed by ")
                      .append(RequestCard.actor(by))
                      .append(state.changedAt().map(at -> " " + Mrkdwn.date(at)).orElse("")));
    }
    answer(caller, Mrkdwn.truncate(out.toString(), 3000));
  }

  private void change(
      Caller caller,
      SlackIdentities.Identity.Known who,
      String cluster,
      String usage,
      java.util.function.Function<ClusterRef, ClusterOutcome> useCase) {
    ClusterRef ref;
    try {
      ref = new ClusterRef(caller.customer().id(), cluster);
    } catch (IllegalArgumentException e) {
      answer(
          caller,
          Texts.problem(
              "Unknown cluster "
                  + cluster
                  + ". Clusters: "
                  + String.join(", ", caller.customer().clusterNames())
                  + ".",
              usage));
      return;
    }
    switch (useCase.apply(ref)) {
      case ClusterOutcome.Changed changed -> {
        ClusterEnablement e = changed.enablement();
        String text =
            e.enabled()
                ? ":large_green_circle: Support access on *"
                    + Mrkdwn.escape(cluster)
                    + "* is now enabled for "
                    + Mrkdwn.escape(e.roles().stream().sorted().collect(Collectors.joining(", ")))
                    + " (by "
                    + Mrkdwn.user(who.actor().userId())
                    + ")."
                : ":red_circle: Support access on *"
                    + Mrkdwn.escape(cluster)
                    + "* is now disabled (by "
                    + Mrkdwn.user(who.actor().userId())
                    + ")."
                    + (changed.revoked().isEmpty()
                        ? ""
                        : " Revoked now: "
                            + changed.revoked().stream()
                                .map(r -> Mrkdwn.code(r.id().value()))
                                .collect(Collectors.joining(", "))
                            + ".");
        answer(caller, text, List.of(), true);
      }
      case ClusterOutcome.Refused refused ->
          answer(caller, Texts.refused(refused.refusal(), usage));
    }
  }

  private void audit(Caller caller, RequestId id) {
    scoped(caller, id, Command.AUDIT_USAGE)
        .ifPresent(
            r -> {
              List<StoredAuditEvent> events = audit.forRequest(id);
              List<String> lines = new ArrayList<>();
              for (StoredAuditEvent stored : events) {
                var e = stored.event();
                String details =
                    e.details().entrySet().stream()
                        .map(d -> d.getKey() + "=" + d.getValue())
                        .collect(Collectors.joining(" "));
                lines.add(
                    "• "
                        + Mrkdwn.plainDate(e.at())
                        + " · *"
                        + e.action().eventName()
                        + "* · "
                        + Mrkdwn.escape(e.actor().audit())
                        + " · "
                        + e.result().name().toLowerCase(java.util.Locale.ROOT)
                        + (details.isEmpty()
                            ? ""
                            : " · " + Mrkdwn.truncate(Mrkdwn.escape(details), 700)));
              }
              StringBuilder out =
                  new StringBuilder(
                      "*Audit trail of* "
                          + Mrkdwn.code(id.value())
                          + " ("
                          + events.size()
                          + " events)");
              int skipped = 0;
              for (int i = lines.size() - 1; i >= 0; i--) {
                if (out.length() + lines.get(i).length() > MAX_AUDIT_CHARS) {
                  skipped = i + 1;
                  break;
                }
              }
              if (skipped > 0) {
                out.append("\n_…").append(skipped).append(" earlier events not shown_");
              }
              for (int i = skipped; i < lines.size(); i++) {
                out.append('\n').append(lines.get(i));
              }
              answer(caller, out.toString());
            });
  }

  private void kubeconfig(Caller caller, RequestId id) {
    if (scoped(caller, id, Command.KUBECONFIG_USAGE).isPresent()) {
      acting(caller, who -> kubeconfig(caller, who, id));
    }
  }

  private void kubeconfig(Caller caller, SlackIdentities.Identity.Known who, RequestId id) {
    switch (service.issueCredential(id, who.actor())) {
      case CredentialOutcome.Issued issued ->
          answer(
              caller,
              ":closed_lock_with_key: Kubeconfig for "
                  + Mrkdwn.code(id.value())
                  + " ("
                  + Mrkdwn.escape(issued.request().role())
                  + " on "
                  + Mrkdwn.escape(issued.request().cluster().name())
                  + "). The token ends "
                  + Mrkdwn.date(issued.kubeconfig().tokenExpiresAt())
                  + ". Save it to a file readable only by you and run `kubectl --kubeconfig FILE`."
                  + " Only you see this message; do not paste it anywhere.\n"
                  + "```\n"
                  + Mrkdwn.escape(issued.kubeconfig().text())
                  + "\n```");
      case CredentialOutcome.Refused refused ->
          answer(caller, Texts.refused(refused.refusal(), Command.KUBECONFIG_USAGE));
      case CredentialOutcome.NotFound notFound ->
          answer(caller, Texts.notFound(notFound.typedId(), Command.KUBECONFIG_USAGE));
    }
  }

  /**
   * The request if it exists and belongs to this channel's customer; otherwise answers "no such
   * request".
   */
  private Optional<AccessRequest> scoped(Caller caller, RequestId id, String usage) {
    Optional<AccessRequest> found =
        service.find(id).filter(r -> r.cluster().customer().equals(caller.customer().id()));
    if (found.isEmpty()) {
      answer(caller, Texts.notFound(id.value(), usage));
    }
    return found;
  }

  private static String outcome(Outcome outcome, String usage) {
    return switch (outcome) {
      case Outcome.Cancelled c ->
          ":heavy_minus_sign: Cancelled " + Mrkdwn.code(c.request().id().value()) + ".";
      case Outcome.Revoked r ->
          ":scissors: Revoked "
              + Mrkdwn.code(r.request().id().value())
              + "; "
              + (r.request().revocationPending()
                  ? "removing it from the cluster (retried until the cluster answers)."
                  : "the binding is gone.");
      case Outcome.ExtensionRequested e ->
          ":hourglass_flowing_sand: Extension "
              + Mrkdwn.code(e.extension().id().value())
              + " of "
              + Mrkdwn.code(e.original().id().value())
              + " by "
              + Durations.format(e.extension().duration())
              + " is posted for approval.";
      case Outcome.AlreadyDecided a -> Texts.alreadyDecided(a.request());
      case Outcome.NotFound n -> Texts.notFound(n.typedId(), usage);
      case Outcome.Refused refused -> Texts.refused(refused.refusal(), usage);
      default -> ":white_check_mark: Done.";
    };
  }

  // ---------------------------------------------------------------- answering

  private void answer(Caller caller, String text) {
    answer(caller, text, List.of(), false);
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
