package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.slack.api.util.json.GsonFactory;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.core.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequestCardTest {
  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  static final RequestId ID = new RequestId("ar-7k2m9q4x");
  static final RequestCard.Context CONTEXT =
      RequestCard.Context.card(
          T0.plusSeconds(60), "read workloads, events, logs and configuration; never Secrets");

  static AccessRequest pending(String role, int approvalsRequired, String reason) {
    return AccessRequest.submitted(
        ID,
        RequestKind.ACCESS,
        Optional.empty(),
        Fixtures.PROD,
        role,
        Scope.CLUSTER,
        CredentialMode.TOKEN,
        Fixtures.REQUESTER,
        reason,
        Duration.ofHours(2),
        T0,
        Duration.ofHours(2),
        approvalsRequired);
  }

  static AccessRequest pending() {
    return pending("readonly", 1, "INC-1234 pods crash-looping");
  }

  static AccessRequest approved(AccessRequest r, Actor.SlackUser by) {
    Instant at = T0.plusSeconds(30);
    return r.withApprovals(List.of(new Approval(by, at, DecisionMethod.BUTTON)))
        .withState(RequestState.APPROVED)
        .withDecision(at, by)
        .withExpiresAt(at.plus(r.duration()))
        .withGrantPresent(true);
  }

  static AccessRequest active() {
    return approved(pending(), Fixtures.APPROVER)
        .withState(RequestState.ACTIVE)
        .withGrantedAt(T0.plusSeconds(31));
  }

  @Test
  void pendingCardShowsWhoWhatWhyAndBothButtons() {
    JsonNode card = json(render(pending()));
    String all = card.toString();

    assertThat(all)
        .contains(
            "Access request",
            "`ar-7k2m9q4x`",
            "*readonly* on *prod*",
            "<@U0ENGINEER>",
            "(Alice@Vendor.example)",
            "`prod` of acme",
            "never Secrets",
            "cluster-wide",
            "*Duration*\\n2h",
            "INC-1234 pods crash-looping",
            "Requested at",
            "Expires if unanswered at",
            "<!date^1772449200^",
            "Pending approval");
    List<JsonNode> buttons = actions(card);
    assertThat(buttons).hasSize(2);
    assertThat(buttons.get(0).path("action_id").asText()).isEqualTo(RequestCard.APPROVE_ACTION);
    assertThat(buttons.get(0).path("style").asText()).isEqualTo("primary");
    assertThat(buttons.get(0).path("value").asText()).isEqualTo("ar-7k2m9q4x");
    assertThat(buttons.get(1).path("action_id").asText()).isEqualTo(RequestCard.DENY_ACTION);
    assertThat(buttons.get(1).path("style").asText()).isEqualTo("danger");
    assertThat(buttons.get(1).path("confirm").path("title").path("text").asText())
        .isEqualTo("Deny this request?");
    assertThat(render(pending()).text())
        .isEqualTo(
            "Access request ar-7k2m9q4x: readonly on prod by <@U0ENGINEER> — pending approval");
  }

  @Test
  void secondApprovalStillNeededShowsCountAndWho() {
    AccessRequest r =
        pending("admin", 2, "upgrade")
            .withApprovals(
                List.of(
                    new Approval(
                        Fixtures.APPROVER, T0.plusSeconds(5), DecisionMethod.THREAD_REPLY)));

    String all = json(render(r)).toString();

    assertThat(all)
        .contains(
            "*1 of 2 approvals* — <@U0APPROVER1>",
            "(written reply)",
            "2 distinct approvers needed",
            "latchkey.approve");
  }

  @Test
  void everyStateReadsRightAndOnlyPendingAndActiveHaveButtons() {
    AccessRequest approved = approved(pending(), Fixtures.APPROVER);
    AccessRequest active = active();
    Instant end = T0.plusSeconds(3600);
    List<AccessRequest> states =
        List.of(
            approved,
            active,
            pending()
                .withState(RequestState.DENIED)
                .withDecision(end, Fixtures.APPROVER_2)
                .withEnd(end, Fixtures.APPROVER_2),
            pending().withState(RequestState.TIMED_OUT).withEnd(T0.plusSeconds(7200), Actor.SYSTEM),
            pending().withState(RequestState.CANCELLED).withEnd(end, Fixtures.ENGINEER),
            active
                .withState(RequestState.REVOKED)
                .withEnd(end, Fixtures.APPROVER_3)
                .withGrantPresent(false),
            active
                .withState(RequestState.REVOKED)
                .withEnd(end, Actor.CLUSTER)
                .withGrantPresent(false),
            active
                .withState(RequestState.EXPIRED)
                .withEnd(T0.plusSeconds(7230), Actor.SYSTEM)
                .withGrantPresent(false),
            approved
                .withState(RequestState.FAILED)
                .withFailure("clusterrolebindings is forbidden: <b>no</b> & more")
                .withEnd(end, Actor.SYSTEM)
                .withGrantPresent(false));
    List<String> expected =
        List.of(
            "*Approved* by <@U0APPROVER1>",
            "*Active* — approved by <@U0APPROVER1>",
            "*Denied* by <@U0APPROVER2>",
            "*Timed out* — nobody answered",
            "*Cancelled* by the requester",
            "*Revoked* by <@U0APPROVER3>",
            "removed outside Latchkey",
            "*Expired* — access ended",
            "*Failed* — clusterrolebindings is forbidden: &lt;b&gt;no&lt;/b&gt; &amp; more");

    for (int i = 0; i < states.size(); i++) {
      AccessRequest r = states.get(i);
      JsonNode card = json(render(r));
      assertThat(card.toString()).as(r.state().name()).contains(expected.get(i));
      List<String> buttons = new ArrayList<>();
      actions(card).forEach(b -> buttons.add(b.path("action_id").asText()));
      if (r.state() == RequestState.ACTIVE) {
        assertThat(buttons).containsExactly(RequestCard.REVOKE_ACTION);
        assertThat(card.toString())
            .contains("Revoke now", "Access until", "/access kubeconfig ar-7k2m9q4x");
      } else {
        assertThat(buttons).as(r.state().name()).isEmpty();
      }
      assertWithinLimits(render(r));
    }
  }

  @Test
  void removalStillPendingThenOverdue() {
    Instant end = T0.plusSeconds(600);
    AccessRequest revoking =
        active()
            .withState(RequestState.REVOKED)
            .withEnd(end, Fixtures.APPROVER)
            .withGrantPresent(true);

    String soon =
        json(RequestCard.render(revoking, RequestCard.Context.card(end.plusSeconds(10), "")))
            .toString();
    String late =
        json(RequestCard.render(revoking, RequestCard.Context.card(end.plusSeconds(61), "")))
            .toString();

    assertThat(soon).contains("Revocation pending").doesNotContain("overdue");
    assertThat(late).contains("Revocation overdue", "could not be reached");
  }

  @Test
  void extensionRendersAsAnExtensionCard() {
    AccessRequest extension =
        AccessRequest.submitted(
            new RequestId("ar-ext00001"),
            RequestKind.EXTENSION,
            Optional.of(ID),
            Fixtures.PROD,
            "readonly",
            Scope.CLUSTER,
            CredentialMode.TOKEN,
            Fixtures.REQUESTER,
            "INC-1234",
            Duration.ofHours(2),
            T0,
            Duration.ofHours(1),
            1);

    RequestCard.Rendered card = render(extension);

    assertThat(json(card).toString())
        .contains("Extension request", "extend `ar-7k2m9q4x` by *2h*", "+2h", "latchkey.approve");
    assertThat(card.text()).startsWith("Extension request ar-ext00001: extend ar-7k2m9q4x by 2h");
    AccessRequest applied =
        approved(extension, Fixtures.APPROVER)
            .withGrantPresent(false)
            .withGrantedAt(T0.plusSeconds(40));
    assertThat(json(render(applied)).toString()).contains("Extension approved", "now ends");
  }

  @Test
  void typedMarkupIsInertEverywhere() {
    String reason = "<!channel> <@U0APPROVER1> <http://evil.example|docs> & <#C0OTHER>";
    AccessRequest r = pending("readonly", 1, reason);

    String all = json(render(r)).toString();

    assertThat(all)
        .contains(
            "&lt;!channel&gt; &lt;@U0APPROVER1&gt; &lt;http://evil.example|docs&gt; &amp; "
                + "&lt;#C0OTHER&gt;")
        .doesNotContain("<!channel>", "<@U0APPROVER1>", "<http", "<#C0OTHER>");
    assertThat(RequestCard.summaryLine(r)).doesNotContain("<!channel>");
  }

  @Test
  void invisibleAndDirectionChangingCharactersShowByName() {
    // A reason stored before such reasons were refused, a requester email, a failure message.
    AccessRequest r =
        pending("readonly", 1, "pods \u202Eylnodaer\u202C crash\u200B\u2028looping")
            .withState(RequestState.FAILED)
            .withFailure("denied \u2066here\u2069")
            .withEnd(T0, Actor.SYSTEM);

    String all = json(render(r)) + RequestCard.summaryLine(r) + RequestCard.fallback(r);

    assertThat(all)
        .contains(
            "pods &lt;U+202E&gt;ylnodaer&lt;U+202C&gt; crash&lt;U+200B&gt;&lt;U+2028&gt;looping",
            "denied &lt;U+2066&gt;here&lt;U+2069&gt;")
        .doesNotContain("\u202E", "\u202C", "\u200B", "\u2028", "\u2066", "\u2069");
  }

  @Test
  void plainAtChannelCannotPingBecauseEveryMrkdwnTextIsVerbatim() {
    // "@channel" has nothing to escape; only verbatim text keeps Slack from turning it into a
    // mention.
    AccessRequest r = pending("readonly", 1, "@channel @here please look, see #general");
    List<JsonNode> texts = new ArrayList<>();
    for (AccessRequest state :
        List.of(
            r,
            active(),
            r.withState(RequestState.FAILED).withFailure("@here boom").withEnd(T0, Actor.SYSTEM))) {
      collectMrkdwn(json(render(state)), texts);
      collectMrkdwn(json(RequestCard.render(state, CONTEXT.readOnly())), texts);
    }
    collectMrkdwn(
        Payloads.json(
            GsonFactory.createSnakeCase()
                .toJson(List.of(RequestCard.section(RequestCard.summaryLine(r))))),
        texts);

    assertThat(texts)
        .isNotEmpty()
        .allSatisfy(
            t -> assertThat(t.path("verbatim").asBoolean()).as("verbatim of %s", t).isTrue());
    // Latchkey's own mentions and dates are explicit <...> syntax, which verbatim text still
    // renders.
    assertThat(texts.toString()).contains("@channel @here please look", "<@U0ENGINEER>", "<!date^");
  }

  private static void collectMrkdwn(JsonNode node, List<JsonNode> out) {
    if (node.isObject()) {
      if ("mrkdwn".equals(node.path("type").asText())) {
        out.add(node);
      }
      node.properties().forEach(e -> collectMrkdwn(e.getValue(), out));
    } else if (node.isArray()) {
      node.forEach(child -> collectMrkdwn(child, out));
    }
  }

  @Test
  void staysWithinSlackLimitsWithTheLongestInputs() {
    AccessRequest longest =
        pending("readonly", 1, "&<>".repeat(166) + "&&")
            .withState(RequestState.FAILED)
            .withFailure("<".repeat(20_000))
            .withEnd(T0, Actor.SYSTEM);
    AccessRequest longPending =
        pending("readonly", 5, "&".repeat(500))
            .withApprovals(
                List.of(
                    new Approval(Fixtures.APPROVER, T0, DecisionMethod.BUTTON),
                    new Approval(Fixtures.APPROVER_2, T0, DecisionMethod.THREAD_REPLY),
                    new Approval(Fixtures.APPROVER_3, T0, DecisionMethod.BUTTON),
                    new Approval(Fixtures.GROUP_APPROVER, T0, DecisionMethod.BUTTON)));

    assertWithinLimits(render(longest));
    assertWithinLimits(render(longPending));
    assertThat(RequestCard.summaryLine(longest).length())
        .isLessThanOrEqualTo(RequestCard.MAX_SECTION_TEXT);
  }

  static StreamSession session(int n, String pod, List<String> command) {
    return new StreamSession(
        new SessionId("gs-7k2m9q4x0a" + "bcdefghjkm".charAt(n % 10) + "bcdefghjkm".charAt(n / 10)),
        ID,
        Fixtures.PROD,
        StreamKind.EXEC,
        "web",
        pod,
        Optional.of("app"),
        command,
        true,
        T0.plusSeconds(60 + n));
  }

  @Test
  void aGatewayCardNamesItsOpenSessionsWhileActiveAndSumsUpOnceEnded() {
    CardSessions open =
        new CardSessions(
            List.of(
                session(1, "api-7f9c", List.of("sh")),
                session(2, "db-0", List.of("psql", "-U", "app"))),
            Optional.empty());
    String card = json(RequestCard.render(active(), CONTEXT.withSessions(open))).toString();
    assertThat(card)
        .contains(
            "2 sessions open*: exec `sh` in `web/api-7f9c` (`app`) since <!date^",
            "; exec `psql -U app` in `web/db-0` (`app`)");
    assertThat(json(RequestCard.render(pending(), CONTEXT.withSessions(open))).toString())
        .doesNotContain("session");

    AccessRequest revoked =
        active().withState(RequestState.REVOKED).withEnd(T0.plusSeconds(900), Fixtures.APPROVER);
    CardSessions ended =
        new CardSessions(
            List.of(session(2, "db-0", List.of("psql"))),
            Optional.of(new CardSessions.Summary(3, 12, 0, 240, 5)));
    assertThat(json(RequestCard.render(revoked, CONTEXT.withSessions(ended))).toString())
        .contains(
            "*Through the gateway*: 3 sessions, 12 commands typed, 240 requests, 5 refused (1"
                + " session closing).",
            "/access activity ar-7k2m9q4x")
        .doesNotContain("sessions open");
    CardSessions large =
        new CardSessions(List.of(), Optional.of(new CardSessions.Summary(2, 4, 1, 9, 0)));
    assertThat(json(RequestCard.render(revoked, CONTEXT.withSessions(large))).toString())
        .contains("2 sessions, 4 commands typed (not counting 1 large recording), 9 requests");
    CardSessions nothing =
        new CardSessions(List.of(), Optional.of(new CardSessions.Summary(0, 0, 0, 0, 0)));
    assertThat(json(RequestCard.render(revoked, CONTEXT.withSessions(nothing))).toString())
        .doesNotContain("Through the gateway");
    assertThat(json(RequestCard.render(active(), CONTEXT.withSessions(open))))
        .isEqualTo(json(RequestCard.render(active(), CONTEXT.withSessions(open))));
  }

  @Test
  void manyOpenSessionsWithTheLongestNamesStayWithinLimitsAndInert() {
    List<StreamSession> many = new ArrayList<>();
    for (int n = 0; n < 100; n++) {
      many.add(
          session(
              n, "p".repeat(253), List.of("<!channel>", "&<>".repeat(1000), "@here <http://x|y>")));
    }
    RequestCard.Rendered card =
        RequestCard.render(
            active(), CONTEXT.withSessions(new CardSessions(many, Optional.empty())));
    assertWithinLimits(card);
    assertThat(json(card).toString())
        .contains("100 sessions open", "; and 95 more")
        .doesNotContain("<!channel>", "<http://x");
  }

  @Test
  void isAPureFunctionOfItsInputs() {
    assertThat(json(render(active()))).isEqualTo(json(render(active())));
    assertThat(render(active()).text()).isEqualTo(render(active()).text());
  }

  @Test
  void readOnlyCopyHasNoButtons() {
    assertThat(actions(json(RequestCard.render(pending(), CONTEXT.readOnly())))).isEmpty();
  }

  static RequestCard.Rendered render(AccessRequest r) {
    return RequestCard.render(r, CONTEXT);
  }

  static JsonNode json(RequestCard.Rendered card) {
    return Payloads.json(GsonFactory.createSnakeCase().toJson(card.blocks()));
  }

  static List<JsonNode> actions(JsonNode blocks) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode block : blocks) {
      if ("actions".equals(block.path("type").asText())) {
        block.path("elements").forEach(out::add);
      }
    }
    return out;
  }

  static void assertWithinLimits(RequestCard.Rendered card) {
    JsonNode blocks = json(card);
    assertThat(blocks.size()).isLessThanOrEqualTo(RequestCard.MAX_BLOCKS);
    assertThat(card.text().length()).isLessThanOrEqualTo(RequestCard.MAX_FALLBACK_TEXT);
    for (JsonNode block : blocks) {
      if (block.has("text")) {
        assertThat(block.path("text").path("text").asText().length())
            .isLessThanOrEqualTo(RequestCard.MAX_SECTION_TEXT);
      }
      block
          .path("fields")
          .forEach(
              f ->
                  assertThat(f.path("text").asText().length())
                      .isLessThanOrEqualTo(RequestCard.MAX_FIELD_TEXT));
      assertThat(block.path("fields").size()).isLessThanOrEqualTo(10);
      block
          .path("elements")
          .forEach(
              e ->
                  assertThat(e.path("value").asText().length())
                      .isLessThanOrEqualTo(RequestCard.MAX_BUTTON_VALUE));
      assertThat(block.path("block_id").asText().length()).isLessThanOrEqualTo(255);
    }
    String all = blocks.toString();
    assertThat(all).doesNotContain("<<", "<b>");
  }
}
