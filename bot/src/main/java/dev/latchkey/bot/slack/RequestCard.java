package dev.latchkey.bot.slack;

import com.slack.api.model.block.ActionsBlock;
import com.slack.api.model.block.ContextBlock;
import com.slack.api.model.block.ContextBlockElement;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.SectionBlock;
import com.slack.api.model.block.composition.ConfirmationDialogObject;
import com.slack.api.model.block.composition.MarkdownTextObject;
import com.slack.api.model.block.composition.PlainTextObject;
import com.slack.api.model.block.composition.TextObject;
import com.slack.api.model.block.element.BlockElement;
import com.slack.api.model.block.element.ButtonElement;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.Durations;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The Slack message of a request: a pure function of the stored request and a little context, so
 * the same request always renders the same card and a card can be re-rendered at any time from the
 * store. Stays within Slack's limits: section text at most {@value #MAX_SECTION_TEXT} characters, a
 * field at most {@value #MAX_FIELD_TEXT}, at most {@value #MAX_BLOCKS} blocks, button values at
 * most {@value #MAX_BUTTON_VALUE}.
 *
 * <p>Buttons carry only the request id; whoever clicks is checked again by the core.
 */
public final class RequestCard {
  public static final String APPROVE_ACTION = "latchkey.approve";
  public static final String DENY_ACTION = "latchkey.deny";
  public static final String REVOKE_ACTION = "latchkey.revoke";

  public static final int MAX_SECTION_TEXT = 3000;
  public static final int MAX_FIELD_TEXT = 2000;
  public static final int MAX_BLOCKS = 50;
  public static final int MAX_BUTTON_VALUE = 2000;

  /** The notification text; Slack allows far more, a card's summary needs little. */
  public static final int MAX_FALLBACK_TEXT = 1000;

  private static final int MAX_FAILURE_TEXT = 1500;

  private RequestCard() {}

  static String actionId(CardActions.Kind kind) {
    return switch (kind) {
      case APPROVE -> APPROVE_ACTION;
      case DENY -> DENY_ACTION;
      case REVOKE -> REVOKE_ACTION;
    };
  }

  /**
   * What a card shows besides the request.
   *
   * @param now the instant the card is rendered (for the "overdue" notice)
   * @param roleDescription what the role allows, in one line, from the customer's policy
   * @param interactive whether to show Approve/Deny/Revoke buttons (the channel card) or not (a
   *     /access show copy)
   * @param overdueAfter how long after access should have ended an unfinished removal is called
   *     overdue
   * @param sessions the grant's gateway sessions, as read from the store for this rendering
   */
  public record Context(
      Instant now,
      String roleDescription,
      boolean interactive,
      Duration overdueAfter,
      CardSessions sessions) {
    public Context {
      Objects.requireNonNull(now, "now");
      roleDescription = roleDescription == null ? "" : roleDescription;
      Objects.requireNonNull(overdueAfter, "overdueAfter");
      Objects.requireNonNull(sessions, "sessions");
    }

    /** Without sessions (a request that has none to show). */
    public Context(
        Instant now, String roleDescription, boolean interactive, Duration overdueAfter) {
      this(now, roleDescription, interactive, overdueAfter, CardSessions.NONE);
    }

    public static Context card(Instant now, String roleDescription) {
      return new Context(now, roleDescription, true, RetryPolicy.DEFAULT.overdueNotice());
    }

    public Context readOnly() {
      return new Context(now, roleDescription, false, overdueAfter, sessions);
    }

    public Context withSessions(CardSessions shown) {
      return new Context(now, roleDescription, interactive, overdueAfter, shown);
    }
  }

  /** Blocks plus the plain fallback text Slack shows in notifications. */
  public record Rendered(String text, List<LayoutBlock> blocks) {
    public Rendered {
      Objects.requireNonNull(text, "text");
      blocks = List.copyOf(blocks);
    }
  }

  public static Rendered render(AccessRequest r, Context ctx) {
    List<LayoutBlock> blocks = new ArrayList<>();
    blocks.add(section(headline(r)));
    blocks.add(fields(r, ctx));
    blocks.add(section("*Reason*\n" + Mrkdwn.escape(r.reason())));
    approvalsLine(r).ifPresent(line -> blocks.add(section(line)));
    blocks.add(section(status(r, ctx)));
    SessionTexts.card(r, ctx.sessions()).ifPresent(line -> blocks.add(section(line)));
    for (String notice : notices(r, ctx)) {
      blocks.add(section(notice));
    }
    if (ctx.interactive()) {
      List<BlockElement> buttons = buttons(r);
      if (!buttons.isEmpty()) {
        blocks.add(
            ActionsBlock.builder()
                .blockId("latchkey.card." + r.id().value())
                .elements(buttons)
                .build());
      }
    }
    blocks.add(
        ContextBlock.builder()
            .elements(
                List.<ContextBlockElement>of(
                    markdown(
                        "Request "
                            + Mrkdwn.code(r.id().value())
                            + " · approvers are checked by Latchkey on every decision")))
            .build());
    return new Rendered(
        Mrkdwn.truncate(fallback(r), MAX_FALLBACK_TEXT),
        blocks.subList(0, Math.min(blocks.size(), MAX_BLOCKS)));
  }

  /** One line for a list: id, what, who, why, when. */
  public static String summaryLine(AccessRequest r) {
    StringBuilder line = new StringBuilder();
    line.append(Mrkdwn.code(r.id().value()))
        .append(" · *")
        .append(Mrkdwn.escape(r.role()))
        .append("* on *")
        .append(Mrkdwn.escape(r.cluster().name()))
        .append("* · ")
        .append(Mrkdwn.escape(r.scope().describe()))
        .append(" · ")
        .append(Mrkdwn.user(r.requester().user().userId()));
    if (r.kind() == RequestKind.EXTENSION) {
      line.append(" · extends ")
          .append(Mrkdwn.code(r.extendsRequest().orElseThrow().value()))
          .append(" by ")
          .append(Durations.format(r.duration()));
    }
    line.append("\n")
        .append(StateWords.of(r))
        .append(" · requested ")
        .append(Mrkdwn.date(r.createdAt()));
    if (!r.approvals().isEmpty()) {
      line.append(" · approved by ").append(approvers(r));
    }
    if (r.state() == RequestState.PENDING) {
      line.append(" · expires if unanswered ").append(Mrkdwn.date(r.pendingExpiresAt()));
    } else {
      r.expiresAt().ifPresent(at -> line.append(" · access expires ").append(Mrkdwn.date(at)));
    }
    String reason = Mrkdwn.truncate(Mrkdwn.escape(r.reason()), 600);
    line.append("\n>").append(reason.replace("\n", "\n>"));
    return Mrkdwn.truncate(line.toString(), MAX_SECTION_TEXT);
  }

  /** The plain fallback text (also used in notifications). */
  public static String fallback(AccessRequest r) {
    String what =
        r.kind() == RequestKind.EXTENSION
            ? "Extension request "
                + r.id()
                + ": extend "
                + r.extendsRequest().orElseThrow()
                + " by "
                + Durations.format(r.duration())
            : "Access request " + r.id() + ": " + r.role() + " on " + r.cluster().name();
    return Mrkdwn.escape(what)
        + " by "
        + Mrkdwn.user(r.requester().user().userId())
        + " — "
        + StateWords.of(r);
  }

  private static String headline(AccessRequest r) {
    if (r.kind() == RequestKind.EXTENSION) {
      return ":hourglass_flowing_sand: *Extension request* "
          + Mrkdwn.code(r.id().value())
          + " — extend "
          + Mrkdwn.code(r.extendsRequest().orElseThrow().value())
          + " by *"
          + Durations.format(r.duration())
          + "* ("
          + Mrkdwn.escape(r.role())
          + " on "
          + Mrkdwn.escape(r.cluster().name())
          + ")";
    }
    return ":key: *Access request* "
        + Mrkdwn.code(r.id().value())
        + " — *"
        + Mrkdwn.escape(r.role())
        + "* on *"
        + Mrkdwn.escape(r.cluster().name())
        + "*";
  }

  private static SectionBlock fields(AccessRequest r, Context ctx) {
    List<TextObject> fields = new ArrayList<>();
    String requester =
        Mrkdwn.user(r.requester().user().userId())
            + r.requester().email().map(e -> " (" + Mrkdwn.escape(e) + ")").orElse("");
    fields.add(field("Requester", requester));
    fields.add(
        field(
            "Cluster",
            Mrkdwn.code(r.cluster().name())
                + " of "
                + Mrkdwn.escape(r.cluster().customer().value())));
    String allows =
        ctx.roleDescription().isBlank() ? "" : " — " + Mrkdwn.escape(ctx.roleDescription());
    fields.add(field("Role", Mrkdwn.code(r.role()) + allows));
    fields.add(field("Scope", Mrkdwn.escape(r.scope().describe())));
    fields.add(
        field(
            r.kind() == RequestKind.EXTENSION ? "Extension" : "Duration",
            (r.kind() == RequestKind.EXTENSION ? "+" : "") + Durations.format(r.duration())));
    fields.add(field("Requested at", Mrkdwn.date(r.createdAt())));
    if (r.state() == RequestState.PENDING) {
      fields.add(field("Expires if unanswered at", Mrkdwn.date(r.pendingExpiresAt())));
    }
    r.expiresAt()
        .ifPresent(
            at ->
                fields.add(
                    field(
                        r.state().isFinal() ? "Access was until" : "Access until",
                        Mrkdwn.date(at))));
    return SectionBlock.builder().fields(fields).build();
  }

  private static java.util.Optional<String> approvalsLine(AccessRequest r) {
    if (r.state() != RequestState.PENDING
        || (r.approvalsRequired() < 2 && r.approvals().isEmpty())) {
      return java.util.Optional.empty();
    }
    String who = r.approvals().isEmpty() ? "none yet" : approvers(r);
    return java.util.Optional.of(
        "*" + r.approvals().size() + " of " + r.approvalsRequired() + " approvals* — " + who);
  }

  private static String approvers(AccessRequest r) {
    return r.approvals().stream().map(RequestCard::approval).collect(Collectors.joining(", "));
  }

  private static String approval(Approval a) {
    return Mrkdwn.user(a.approver().userId())
        + " "
        + Mrkdwn.date(a.at())
        + (a.method() == DecisionMethod.THREAD_REPLY ? " (written reply)" : "");
  }

  private static String status(AccessRequest r, Context ctx) {
    String decided = r.decidedBy().map(RequestCard::actor).orElse("someone");
    String decidedAt = r.decidedAt().map(Mrkdwn::date).orElse("");
    String ended = r.endedAt().map(Mrkdwn::date).orElse("");
    return switch (r.state()) {
      case PENDING ->
          ":hourglass: *Pending approval* by an approver of "
              + Mrkdwn.escape(r.cluster().customer().value())
              + (r.approvalsRequired() > 1
                  ? " (" + r.approvalsRequired() + " distinct approvers needed)"
                  : "")
              + ". The requester cannot approve their own request.";
      case APPROVED ->
          r.kind() == RequestKind.EXTENSION
              ? (r.grantedAt().isPresent()
                  ? ":white_check_mark: *Extension approved* by "
                      + approvedBy(r)
                      + " "
                      + decidedAt
                      + " — "
                      + Mrkdwn.code(r.extendsRequest().orElseThrow().value())
                      + " now ends "
                      + r.expiresAt().map(Mrkdwn::date).orElse("later")
                  : ":white_check_mark: *Extension approved* by "
                      + approvedBy(r)
                      + " "
                      + decidedAt
                      + " — applying it")
              : ":white_check_mark: *Approved* by "
                  + approvedBy(r)
                  + " "
                  + decidedAt
                  + " — granting access until "
                  + r.expiresAt().map(Mrkdwn::date).orElse("?")
                  + "…";
      case ACTIVE ->
          ":large_green_circle: *Active* — approved by "
              + approvedBy(r)
              + " "
              + decidedAt
              + "; access until "
              + r.expiresAt().map(Mrkdwn::date).orElse("?")
              + (r.credentials() == CredentialMode.TOKEN
                  ? ".\nThe requester gets a kubeconfig with "
                      + Mrkdwn.code("/access kubeconfig " + r.id().value())
                      + "."
                  : ".");
      case DENIED ->
          ":no_entry: *Denied* by " + decided + " " + decidedAt + ". Nothing was granted.";
      case TIMED_OUT ->
          ":zzz: *Timed out* — nobody answered by "
              + Mrkdwn.date(r.pendingExpiresAt())
              + ". Nothing was granted.";
      case CANCELLED ->
          ":heavy_minus_sign: *Cancelled* by the requester " + ended + ". Nothing was granted.";
      case REVOKED ->
          r.endedBy().filter(a -> a instanceof Actor.Cluster).isPresent()
              ? ":scissors: *Revoked* — access was removed outside Latchkey (its binding was"
                  + " deleted on the cluster); noticed "
                  + ended
                  + "."
              : ":scissors: *Revoked* by "
                  + r.endedBy().map(RequestCard::actor).orElse("someone")
                  + " "
                  + ended
                  + ".";
      case EXPIRED ->
          ":checkered_flag: *Expired* — access ended "
              + r.expiresAt()
                  .filter(e -> r.endedAt().map(end -> !e.isAfter(end)).orElse(true))
                  .map(Mrkdwn::date)
                  .orElse(ended)
              + ".";
      case FAILED ->
          ":x: *Failed* — "
              + Mrkdwn.truncate(
                  Mrkdwn.escape(r.failure().orElse("the grant failed")), MAX_FAILURE_TEXT)
              + (r.kind() == RequestKind.ACCESS ? " Nothing is left granted." : "");
    };
  }

  private static List<String> notices(AccessRequest r, Context ctx) {
    List<String> notices = new ArrayList<>();
    if (r.revocationPending()) {
      boolean overdue =
          r.removalDueSince()
              .map(since -> !since.plus(ctx.overdueAfter()).isAfter(ctx.now()))
              .orElse(false);
      if (overdue) {
        notices.add(
            ":rotating_light: *Revocation overdue* — access should have ended "
                + Mrkdwn.date(r.removalDueSince().orElseThrow())
                + " but the cluster could not be reached to remove it. Latchkey keeps retrying.");
      } else {
        notices.add(":warning: *Revocation pending* — removing the grant from the cluster…");
      }
    }
    return notices;
  }

  private static String approvedBy(AccessRequest r) {
    if (r.approvals().isEmpty()) {
      return r.decidedBy().map(RequestCard::actor).orElse("an approver");
    }
    return r.approvals().stream()
        .map(
            a ->
                Mrkdwn.user(a.approver().userId())
                    + (a.method() == DecisionMethod.THREAD_REPLY ? " (written reply)" : ""))
        .collect(Collectors.joining(" and "));
  }

  static String actor(Actor actor) {
    return switch (actor) {
      case Actor.SlackUser user -> Mrkdwn.user(user.userId());
      case Actor.System system -> "Latchkey";
      case Actor.Cluster cluster -> "the cluster (outside Latchkey)";
    };
  }

  private static List<BlockElement> buttons(AccessRequest r) {
    String value = r.id().value();
    if (value.length() > MAX_BUTTON_VALUE) {
      throw new IllegalStateException("request id longer than a button value");
    }
    List<BlockElement> buttons = new ArrayList<>();
    if (r.state() == RequestState.PENDING) {
      buttons.add(
          ButtonElement.builder()
              .actionId(APPROVE_ACTION)
              .text(plain("Approve"))
              .style("primary")
              .value(value)
              .build());
      buttons.add(
          ButtonElement.builder()
              .actionId(DENY_ACTION)
              .text(plain("Deny"))
              .style("danger")
              .value(value)
              .confirm(
                  ConfirmationDialogObject.builder()
                      .title(plain("Deny this request?"))
                      .text(
                          markdown(
                              "Deny "
                                  + Mrkdwn.code(value)
                                  + "? Nothing will be granted and the requester is told."))
                      .confirm(plain("Deny"))
                      .deny(plain("Keep it"))
                      .style("danger")
                      .build())
              .build());
    } else if (r.state() == RequestState.ACTIVE && r.kind() == RequestKind.ACCESS) {
      buttons.add(
          ButtonElement.builder()
              .actionId(REVOKE_ACTION)
              .text(plain("Revoke now"))
              .style("danger")
              .value(value)
              .confirm(
                  ConfirmationDialogObject.builder()
                      .title(plain("Revoke access now?"))
                      .text(
                          markdown(
                              "End "
                                  + Mrkdwn.code(value)
                                  + " now? Its grant is removed from the cluster at once."))
                      .confirm(plain("Revoke"))
                      .deny(plain("Keep it"))
                      .style("danger")
                      .build())
              .build());
    }
    return buttons;
  }

  private static TextObject field(String label, String value) {
    return markdown(Mrkdwn.truncate("*" + label + "*\n" + value, MAX_FIELD_TEXT));
  }

  static SectionBlock section(String mrkdwn) {
    return SectionBlock.builder().text(markdown(Mrkdwn.truncate(mrkdwn, MAX_SECTION_TEXT))).build();
  }

  /**
   * A mrkdwn text object, always verbatim: otherwise Slack itself turns a typed "@channel", "@here"
   * or "#channel" (nothing {@link Mrkdwn#escape} could escape) into a live mention or link.
   * Latchkey's own mentions and dates use the explicit {@code <@U…>} / {@code <!date…>} syntax,
   * which verbatim text still renders.
   */
  static MarkdownTextObject markdown(String text) {
    return MarkdownTextObject.builder().text(text).verbatim(true).build();
  }

  static PlainTextObject plain(String text) {
    return PlainTextObject.builder().text(text).emoji(true).build();
  }
}
