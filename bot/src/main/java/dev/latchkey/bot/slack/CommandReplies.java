package dev.latchkey.bot.slack;

import com.slack.api.model.block.LayoutBlock;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Durations;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.access.ClusterStatus;
import dev.latchkey.core.access.DisableSupportAccess;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.port.ClusterAccess.Kubeconfig;
import dev.latchkey.core.request.CancelRequest;
import dev.latchkey.core.request.ExtendAccess;
import dev.latchkey.core.request.RevokeAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The words of the answers to {@code /access}: what each use case's result reads like. Text from
 * people and clusters is escaped here.
 */
final class CommandReplies {
  private static final int MAX_LISTED = 40;

  private CommandReplies() {}

  /** An answer: its text, its blocks (if any), and whether the whole channel sees it. */
  record Reply(String text, List<LayoutBlock> blocks, boolean inChannel) {
    Reply {
      blocks = List.copyOf(blocks);
    }

    static Reply of(String text) {
      return new Reply(text, List.of(), false);
    }
  }

  static String submitted(AccessRequest r, boolean inChannel) {
    return ":inbox_tray: Request "
        + Mrkdwn.code(r.id().value())
        + " ("
        + Mrkdwn.escape(r.role())
        + " on "
        + Mrkdwn.escape(r.cluster().name())
        + ", "
        + Durations.format(r.duration())
        + ") is posted for approval"
        + (inChannel
            ? " in this channel. It expires if nobody answers by "
                + Mrkdwn.date(r.pendingExpiresAt())
                + "."
            : ".");
  }

  static String cancel(CancelRequest.Result result) {
    return switch (result) {
      case CancelRequest.Result.Cancelled c ->
          ":heavy_minus_sign: Cancelled " + Mrkdwn.code(c.request().id().value()) + ".";
      case CancelRequest.Result.Refused r ->
          Texts.refused(RefusalTexts.Situation.CANCEL, r.refusal());
      case CancelRequest.Result.AlreadyDecided a -> Texts.alreadyDecided(a.request());
      case CancelRequest.Result.NotFound n -> Texts.notFound(n.typedId());
    };
  }

  static String revoke(RevokeAccess.Result result) {
    return switch (result) {
      case RevokeAccess.Result.Revoked r ->
          ":scissors: Revoked "
              + Mrkdwn.code(r.request().id().value())
              + ": the access has ended"
              + (r.request().revocationPending()
                  ? "; removing its grant from the cluster (retried until the cluster answers)."
                  : " and its grant is gone from the cluster.");
      case RevokeAccess.Result.Refused r ->
          Texts.refused(RefusalTexts.Situation.REVOKE, r.refusal());
      case RevokeAccess.Result.AlreadyEnded a -> Texts.alreadyDecided(a.request());
      case RevokeAccess.Result.NotFound n -> Texts.notFound(n.typedId());
    };
  }

  static String extend(ExtendAccess.Result result) {
    return switch (result) {
      case ExtendAccess.Result.Requested e ->
          ":hourglass_flowing_sand: Extension "
              + Mrkdwn.code(e.extension().id().value())
              + " of "
              + Mrkdwn.code(e.original().id().value())
              + " by "
              + Durations.format(e.extension().duration())
              + " is posted for approval.";
      case ExtendAccess.Result.Refused r ->
          Texts.refused(RefusalTexts.Situation.EXTEND, r.refusal());
      case ExtendAccess.Result.NotFound n -> Texts.notFound(n.typedId());
    };
  }

  /** The kubeconfig of {@code r}, fetched by naming {@code typed} (the access or its extension). */
  static String kubeconfig(RequestId typed, AccessRequest r, Kubeconfig kubeconfig) {
    return ":closed_lock_with_key: Kubeconfig for "
        + Mrkdwn.code(r.id().value())
        + " ("
        + Mrkdwn.escape(r.role())
        + " on "
        + Mrkdwn.escape(r.cluster().name())
        + (typed.equals(r.id())
            ? ""
            : "; the access your extension " + Mrkdwn.code(typed.value()) + " extends")
        + "). The token ends "
        + Mrkdwn.date(kubeconfig.tokenExpiresAt())
        + ". Save it to a file readable only by you and run `kubectl --kubeconfig FILE`."
        + " Only you see this message; do not paste it anywhere.\n"
        + "```\n"
        + Mrkdwn.escape(kubeconfig.text())
        + "\n```";
  }

  static Reply list(List<AccessRequest> open) {
    if (open.isEmpty()) {
      return Reply.of("No pending or active requests in this channel.");
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
    return new Reply(
        Texts.count(open.size(), "pending or active request", "pending or active requests"),
        blocks,
        false);
  }

  static String unknownCluster(String name, List<String> clusters) {
    return ":no_entry_sign: Unknown cluster "
        + Mrkdwn.code(name)
        + "."
        + DidYouMean.closest(name, clusters)
            .map(c -> " Did you mean " + Mrkdwn.code(c) + "?")
            .orElse("")
        + " Clusters: "
        + Mrkdwn.escape(String.join(", ", clusters))
        + ".";
  }

  static String status(Customer customer, List<ClusterStatus.State> clusters) {
    StringBuilder out =
        new StringBuilder("*Support access of " + Mrkdwn.escape(customer.id().value()) + "*");
    for (ClusterStatus.State c : clusters) {
      ClusterEnablement state = c.enablement();
      out.append("\n• *")
          .append(Mrkdwn.escape(c.policy().cluster().name()))
          .append("* — ")
          .append(
              state.enabled()
                  ? ":large_green_circle: enabled for "
                      + Mrkdwn.escape(
                          state.roles().stream().sorted().collect(Collectors.joining(", ")))
                  : ":red_circle: disabled")
          .append(" · active access: ")
          .append(Texts.count(c.activeGrants(), "request", "requests"))
          .append(" · roles offered: ")
          .append(Mrkdwn.escape(String.join(", ", c.policy().roles().keySet())))
          .append(" · credentials: ")
          .append(c.policy().credentials().name().toLowerCase(Locale.ROOT));
      if (!c.unmanaged().isEmpty()) {
        out.append("\n    :rotating_light: not made by Latchkey, reaching `latchkey-grants`: ")
            .append(
                Mrkdwn.escape(
                    c.unmanaged().stream()
                        .limit(5)
                        .map(
                            o ->
                                o.kind().kubernetesKind()
                                    + " "
                                    + o.namespace().map(ns -> ns + "/").orElse("")
                                    + o.name()
                                    + o.role().map(r -> " → " + r.describe()).orElse(""))
                        .collect(Collectors.joining(", "))))
            .append(c.unmanaged().size() > 5 ? " and " + (c.unmanaged().size() - 5) + " more" : "")
            .append(" (see the audit log: `reconcile.unmanaged_found`)");
      }
      state
          .changedBy()
          .ifPresent(
              by ->
                  out.append(" · last changed by ")
                      .append(RequestCard.actor(by))
                      .append(state.changedAt().map(at -> " " + Mrkdwn.date(at)).orElse("")));
    }
    return Mrkdwn.truncate(out.toString(), 3000);
  }

  static Reply enabled(EnableSupportAccess.Result result, String cluster, String who) {
    return switch (result) {
      case EnableSupportAccess.Result.Enabled e ->
          new Reply(
              ":large_green_circle: Support access on *"
                  + Mrkdwn.escape(cluster)
                  + "* is now enabled for "
                  + Mrkdwn.escape(
                      e.enablement().roles().stream().sorted().collect(Collectors.joining(", ")))
                  + " (by "
                  + Mrkdwn.user(who)
                  + ").",
              List.of(),
              true);
      case EnableSupportAccess.Result.Refused r ->
          Reply.of(Texts.refused(RefusalTexts.Situation.SWITCH, r.refusal()));
    };
  }

  static Reply disabled(DisableSupportAccess.Result result, String cluster, String who) {
    return switch (result) {
      case DisableSupportAccess.Result.Disabled d ->
          new Reply(
              ":red_circle: Support access on *"
                  + Mrkdwn.escape(cluster)
                  + "* is now disabled (by "
                  + Mrkdwn.user(who)
                  + ")."
                  + (d.revoked().isEmpty()
                      ? ""
                      : " Revoked now: "
                          + d.revoked().stream()
                              .map(r -> Mrkdwn.code(r.id().value()))
                              .collect(Collectors.joining(", "))
                          + "."),
              List.of(),
              true);
      case DisableSupportAccess.Result.Refused r ->
          Reply.of(Texts.refused(RefusalTexts.Situation.SWITCH, r.refusal()));
    };
  }
}
