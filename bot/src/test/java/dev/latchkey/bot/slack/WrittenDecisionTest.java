package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.testing.Fixtures;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Emergency written approval: replies in a card's thread, live and replayed at start-up. */
class WrittenDecisionTest {
  private SlackHarness slack;

  @BeforeEach
  void start() throws Exception {
    slack = new SlackHarness().enableProd();
  }

  @AfterEach
  void stop() throws Exception {
    slack.close();
  }

  @Test
  void writtenApprovalDecidesLikeTheButtonAndIsRecordedVerbatim() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h buttons broken for approver");

    HttpResponse<String> response =
        slack.threadReply(
            Fixtures.APPROVER, r.id(), "1772442100.000200", "Approved.", "Ev0APPROVE1", Map.of());

    assertThat(response.statusCode()).isEqualTo(200);
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    assertThat(slack.get(r.id()).approvals().getFirst().method())
        .isEqualTo(DecisionMethod.THREAD_REPLY);
    AuditEvent approved = event(r, AuditAction.REQUEST_APPROVED);
    assertThat(approved.details())
        .containsEntry("method", "thread_reply")
        .containsEntry("message_ts", "1772442100.000200")
        .containsEntry("permalink", "https://acme.slack.com/archives/C0SHARED/p1")
        .containsEntry("text", "Approved.");
    assertThat(approved.actor()).isEqualTo(Fixtures.APPROVER);
    assertThat(slack.calls("chat.getPermalink").getFirst())
        .containsEntry("message_ts", "1772442100.000200");
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Active", "<@U0APPROVER1> (written reply)");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.threadReplies(r.id()))
                    .anySatisfy(
                        t ->
                            assertThat(t)
                                .contains("Approved by <@U0APPROVER1> in a written reply")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"deny", "Denied!", "DENY.", "  denied\n"})
  void writtenDenialDecides(String text) throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h denial");

    slack.threadReply(Fixtures.APPROVER_2, r.id(), "1772442100.000300", text, "Ev0DENY", Map.of());

    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.DENIED));
    assertThat(event(r, AuditAction.REQUEST_DENIED).details())
        .containsEntry("text", text)
        .containsEntry("method", "thread_reply");
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Denied", "<@U0APPROVER2>");
  }

  @Test
  void writtenApprovalByANonApproverChangesNothingButIsAuditedAndAnsweredPrivately()
      throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h bystander");

    slack.threadReply(
        Fixtures.BYSTANDER, r.id(), "1772442100.000400", "approve", "Ev0BYSTANDER", Map.of());
    slack.threadReply(
        Fixtures.ENGINEER, r.id(), "1772442100.000500", "approved", "Ev0SELF", Map.of());

    await()
        .untilAsserted(
            () -> {
              assertThat(slack.ephemeralsTo("U0BYSTANDER"))
                  .singleElement()
                  .satisfies(
                      t ->
                          assertThat(t)
                              .contains("not an approver for this request", "Nothing changed"));
              assertThat(slack.ephemeralsTo("U0ENGINEER"))
                  .singleElement()
                  .satisfies(t -> assertThat(t).contains("cannot decide your own request"));
            });
    // Answered in the thread, but only to their authors: nobody else sees the refusals.
    assertThat(slack.calls("chat.postEphemeral"))
        .allSatisfy(
            c ->
                assertThat(c)
                    .containsEntry("thread_ts", slack.cards.find(r.id()).orElseThrow().ts()));
    assertThat(slack.threadReplies(r.id())).isEmpty();
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(
            slack.memoryAudit.forRequest(r.id()).stream()
                .map(e -> e.event())
                .filter(e -> e.action() == AuditAction.DECISION_REFUSED)
                .map(e -> e.details().get("method") + "/" + e.details().get("message_ts")))
        .containsExactlyInAnyOrder(
            "thread_reply/1772442100.000400", "thread_reply/1772442100.000500");
  }

  @Test
  void repliesThatOnlyStartLikeADecisionDecideNothingAndTellTheirAuthorWhatToWrite()
      throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod operator 1h read strictly");
    // What Slack delivers for each: a quote arrives as &gt;, formatting as its characters.
    java.util.List<String> texts =
        java.util.List.of(
            "Approved? Who asked for this and why",
            "approve?",
            "Approved, but only after the freeze",
            "&gt; approve",
            "\"approve\"",
            "`approve`",
            "*approve*",
            "approve ar-zzzzzzzz");
    for (int i = 0; i < texts.size(); i++) {
      slack.threadReply(
          Fixtures.APPROVER,
          r.id(),
          "1772442100.00010" + i,
          texts.get(i),
          "Ev0UNCLEAR" + i,
          Map.of());
    }
    slack.threadReply(
        Fixtures.APPROVER, r.id(), "1772442100.000200", "sounds fine to me", "Ev0CHAT", Map.of());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo("U0APPROVER1"))
                    .hasSize(texts.size())
                    .allSatisfy(
                        t ->
                            assertThat(t)
                                .contains(
                                    "Your reply decided nothing",
                                    "nothing but `approve` or `deny`",
                                    "`approve " + r.id().value() + "`")));
    assertThat(slack.calls("chat.postEphemeral"))
        .allSatisfy(
            c ->
                assertThat(c)
                    .containsEntry("thread_ts", slack.cards.find(r.id()).orElseThrow().ts()));
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.memoryAudit.actions(r.id())).containsExactly(AuditAction.REQUEST_SUBMITTED);
    assertThat(slack.threadReplies(r.id())).isEmpty();

    // Nothing but the word and this request's id decides.
    slack.threadReply(
        Fixtures.APPROVER,
        r.id(),
        "1772442100.000300",
        r.id().value().toUpperCase(java.util.Locale.ROOT) + " approve.",
        "Ev0NAMED",
        Map.of());
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    assertThat(slack.ephemeralsTo("U0APPROVER1")).hasSize(texts.size());
  }

  @Test
  void aHugeWrittenDecisionPutsOnlyItsStartLengthAndHashInTheAudit() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h flooded thread");
    // Nothing but "approve" and the id, 39,000 characters in all: it reads as a decision, and the
    // bystander's refusal is audited with what they wrote.
    String huge = "approve" + "\n".repeat(39_000 - 7 - 12) + " " + r.id().value();
    assertThat(huge).hasSize(39_000);

    slack.threadReply(Fixtures.BYSTANDER, r.id(), "1772442100.000400", huge, "Ev0HUGE", Map.of());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.memoryAudit.actions(r.id()))
                    .contains(AuditAction.DECISION_REFUSED));
    AuditEvent refused = event(r, AuditAction.DECISION_REFUSED);
    assertThat(refused.details().get("text"))
        .hasSize(ReplyText.MAX_AUDITED_CHARS + 1)
        .startsWith("approve\n")
        .endsWith("…");
    assertThat(refused.details())
        .containsEntry("text_length", "39000")
        .containsEntry(
            "text_sha256",
            java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(huge.getBytes(StandardCharsets.UTF_8))))
        .containsEntry("message_ts", "1772442100.000400");
    assertThat(String.join("", refused.details().values())).hasSizeLessThan(1_200);
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  void replyTextIsCappedWithoutSplittingACharacter() {
    assertThat(ReplyText.audited("approve")).containsExactly(Map.entry("text", "approve"));
    String exactly = "x".repeat(ReplyText.MAX_AUDITED_CHARS);
    assertThat(ReplyText.audited(exactly)).containsOnlyKeys("text").containsEntry("text", exactly);
    String emoji = "\uD83D\uDE00".repeat(ReplyText.MAX_AUDITED_CHARS + 1);
    Map<String, String> cut = ReplyText.audited(emoji);
    assertThat(cut.get("text")).isEqualTo("\uD83D\uDE00".repeat(ReplyText.MAX_AUDITED_CHARS) + "…");
    assertThat(cut).containsEntry("text_length", Integer.toString(ReplyText.MAX_AUDITED_CHARS + 1));
    String hidden = "\u202E".repeat(200);
    assertThat(ReplyText.audited(hidden).get("text"))
        .hasSize(ReplyText.MAX_AUDITED_CHARS + 1)
        .startsWith("<U+202E><U+202E>");
    assertThat(ReplyText.audited(hidden)).containsEntry("text_length", "200");
  }

  @Test
  void otherRepliesBotsAndEditsChangeNothing() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h chatter");

    slack.threadReply(
        Fixtures.APPROVER,
        r.id(),
        "1772442100.000600",
        "looking into it, will approve soon",
        "Ev0CHAT",
        Map.of());
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    ObjectNode bot =
        (ObjectNode)
            SlackHarness.JSON.readTree(
                slack.threadReplyEvent(
                    Fixtures.APPROVER, threadTs, "1772442100.000700", "approve", "Ev0BOT"));
    ((ObjectNode) bot.get("event")).put("bot_id", "B0OTHER");
    slack.postSigned(bot.toString(), "application/json", Map.of());
    ObjectNode botBroadcast =
        (ObjectNode)
            SlackHarness.JSON.readTree(
                slack.threadReplyEvent(
                    Fixtures.APPROVER,
                    threadTs,
                    "1772442100.000750",
                    "approve",
                    "Ev0BOTBROADCAST"));
    ((ObjectNode) botBroadcast.get("event"))
        .put("bot_id", "B0OTHER")
        .put("subtype", "thread_broadcast")
        .putObject("root")
        .put("ts", threadTs)
        .put("text", "card");
    slack.postSigned(botBroadcast.toString(), "application/json", Map.of());
    ObjectNode edit =
        (ObjectNode)
            SlackHarness.JSON.readTree(
                slack.threadReplyEvent(
                    Fixtures.APPROVER, threadTs, "1772442100.000800", "approve", "Ev0EDIT"));
    ((ObjectNode) edit.get("event")).put("subtype", "message_changed");
    HttpResponse<String> edited = slack.postSigned(edit.toString(), "application/json", Map.of());

    assertThat(edited.statusCode()).isEqualTo(200);
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
              assertThat(slack.threadReplies(r.id())).isEmpty();
              assertThat(slack.calls("chat.getPermalink")).isEmpty();
            });
    assertThat(slack.memoryAudit.actions(r.id())).containsExactly(AuditAction.REQUEST_SUBMITTED);
  }

  @Test
  void anotherBotsMessageIsAcknowledgedWithoutAskingSlackWhoPostedIt() throws Exception {
    ObjectNode body =
        (ObjectNode)
            SlackHarness.JSON.readTree(
                slack.threadReplyEvent(
                    Fixtures.APPROVER,
                    "1772442000.000100",
                    "1772442100.000900",
                    "build finished",
                    "Ev0LEGACYBOT"));
    ObjectNode event = (ObjectNode) body.get("event");
    event.remove("user");
    event.remove("thread_ts");
    event.put("subtype", "bot_message").put("bot_id", "B0CI");

    HttpResponse<String> response = slack.postSigned(body.toString(), "application/json", Map.of());

    // Bolt's own self-event filter would call bots.info before acknowledging: slow Slack, late or
    // failed ack.
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(slack.calls("bots.info")).isEmpty();
  }

  @Test
  void retriedEventDeliveryHasOneEffect() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod admin 1h two approvers needed");

    slack.threadReply(
        Fixtures.APPROVER, r.id(), "1772442100.000900", "approve", "Ev0RETRIED", Map.of());
    HttpResponse<String> retry =
        slack.threadReply(
            Fixtures.APPROVER,
            r.id(),
            "1772442100.000900",
            "approve",
            "Ev0RETRIED",
            Map.of("X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"));

    assertThat(retry.statusCode()).isEqualTo(200);
    await().untilAsserted(() -> assertThat(slack.get(r.id()).approvals()).hasSize(1));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              assertThat(slack.memoryAudit.count(AuditAction.APPROVAL_GIVEN)).isEqualTo(1);
              assertThat(slack.calls("chat.getPermalink")).hasSize(1);
              assertThat(slack.threadReplies(r.id())).hasSize(1);
            });
  }

  @Test
  void repliesWrittenWhileDownAreAppliedAtStartUpInOrder() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h written while down");
    AccessRequest untouched =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h nobody replied");
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    // Out of order on purpose: Latchkey sorts by ts. The bystander's is refused, the approval wins,
    // the later
    // denial finds the request already decided.
    ArrayNode messages = SlackHarness.JSON.createArrayNode();
    messages.add(message(threadTs, "U0LATCHKEY", "T0CUSTOMER", "card").put("bot_id", "B0LATCHKEY"));
    messages.add(message("1772442300.000001", "U0APPROVER2", "T0CUSTOMER", "deny"));
    messages.add(message("1772442200.000001", "U0APPROVER1", "T0CUSTOMER", "Approved!"));
    // Looks like a decision but is not only one: read back, it decides nothing either.
    messages.add(message("1772442150.000001", "U0APPROVER2", "T0CUSTOMER", "Denied? why"));
    messages.add(message("1772442100.000001", "U0BYSTANDER", "T0CUSTOMER", "approve"));
    messages.add(
        message("1772442050.000001", "U0APPROVER3", "T0CUSTOMER", "checking with the team"));
    ObjectNode replies = SlackHarness.JSON.createObjectNode().put("ok", true);
    replies.set("messages", messages);
    slack.wm.stubFor(
        post("/api/conversations.replies")
            .withRequestBody(
                containing("ts=" + URLEncoder.encode(threadTs, StandardCharsets.UTF_8)))
            .willReturn(okJson(replies.toString())));

    int applied = slack.surface.threadReplay().replayPendingThreads();

    assertThat(applied).isEqualTo(1);
    AccessRequest after = slack.get(r.id());
    assertThat(after.state()).isEqualTo(RequestState.ACTIVE);
    assertThat(after.decidedBy()).contains(Fixtures.APPROVER);
    assertThat(event(r, AuditAction.REQUEST_APPROVED).details())
        .containsEntry("message_ts", "1772442200.000001");
    assertThat(
            slack.memoryAudit.forRequest(r.id()).stream()
                .map(e -> e.event())
                .filter(e -> e.action() == AuditAction.DECISION_REFUSED))
        .hasSize(1);
    assertThat(slack.get(untouched.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.calls("conversations.replies"))
        .extracting(c -> c.get("ts"))
        .contains(threadTs, slack.cards.find(untouched.id()).orElseThrow().ts());

    // A second start-up finds nothing new to apply and records nothing twice.
    int events = slack.memoryAudit.forRequest(r.id()).size();
    assertThat(slack.surface.threadReplay().replayPendingThreads()).isZero();
    assertThat(slack.memoryAudit.forRequest(r.id())).hasSize(events);
  }

  @Test
  void writtenApprovalThatCouldNotBeCheckedIsNotRefusedButAppliedWhenSlackAnswers()
      throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h group member writes");
    slack.surface.threadReplay().firstRetry(Duration.ofMillis(50));
    slack.wm.stubFor(post("/api/usergroups.users.list").willReturn(aResponse().withStatus(500)));
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    stubThread(
        threadTs,
        message("1772442100.000100", Fixtures.GROUP_APPROVER.userId(), "T0CUSTOMER", "approve"));

    slack.threadReply(
        Fixtures.GROUP_APPROVER, r.id(), "1772442100.000100", "approve", "Ev0GROUP", Map.of());

    await()
        .untilAsserted(
            () -> assertThat(slack.calls("usergroups.users.list")).hasSizeGreaterThanOrEqualTo(6));
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.memoryAudit.actions(r.id())).doesNotContain(AuditAction.DECISION_REFUSED);
    assertThat(slack.surface.threadReplay().dueForRetry()).contains(r.id());

    slack.wm.stubFor(
        post("/api/usergroups.users.list")
            .willReturn(okJson("{\"ok\":true,\"users\":[\"U0GROUPMEMBER\"]}")));

    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    assertThat(event(r, AuditAction.REQUEST_APPROVED).details())
        .containsEntry("message_ts", "1772442100.000100");
    assertThat(slack.memoryAudit.actions(r.id())).doesNotContain(AuditAction.DECISION_REFUSED);
    await().untilAsserted(() -> assertThat(slack.surface.threadReplay().dueForRetry()).isEmpty());
  }

  @Test
  void replayStopsAtAReplyWhoseAuthorCannotBeCheckedAndAppliesItInOrderLater() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h directory down at start-up");
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    stubThread(
        threadTs,
        message("1772442200.000001", "U0APPROVER1", "T0CUSTOMER", "approve"),
        message("1772442100.000001", "U0APPROVER2", "T0CUSTOMER", "deny."));
    slack.wm.stubFor(
        post("/api/users.info")
            .withFormParam("user", equalTo("U0APPROVER2"))
            .willReturn(aResponse().withStatus(503)));

    assertThat(slack.surface.threadReplay().replayPendingThreads()).isZero();

    // The earlier denial could not be checked: the later approval must not overtake it.
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.memoryAudit.actions(r.id())).containsExactly(AuditAction.REQUEST_SUBMITTED);
    assertThat(slack.surface.threadReplay().dueForRetry()).containsExactly(r.id());

    slack.stubUser("U0APPROVER2", Fixtures.CUSTOMER_TEAM, Optional.empty());
    assertThat(slack.surface.threadReplay().replayPendingThreads()).isEqualTo(1);

    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.DENIED);
    assertThat(slack.get(r.id()).decidedBy()).contains(Fixtures.APPROVER_2);
  }

  private void stubThread(String threadTs, ObjectNode... replies) {
    ArrayNode messages = SlackHarness.JSON.createArrayNode();
    messages.add(message(threadTs, "U0LATCHKEY", "T0CUSTOMER", "card").put("bot_id", "B0LATCHKEY"));
    for (ObjectNode reply : replies) {
      messages.add(reply);
    }
    ObjectNode body = SlackHarness.JSON.createObjectNode().put("ok", true);
    body.set("messages", messages);
    slack.wm.stubFor(
        post("/api/conversations.replies")
            .withRequestBody(
                containing("ts=" + URLEncoder.encode(threadTs, StandardCharsets.UTF_8)))
            .willReturn(okJson(body.toString())));
  }

  @Test
  void replyAlsoSentToTheChannelDecidesLive() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h broadcast approval");
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    ObjectNode broadcast =
        (ObjectNode)
            SlackHarness.JSON.readTree(
                slack.threadReplyEvent(
                    Fixtures.APPROVER, threadTs, "1772442100.000100", "approved", "Ev0BROADCAST"));
    ((ObjectNode) broadcast.get("event")).put("subtype", "thread_broadcast");
    ((ObjectNode) broadcast.get("event")).putObject("root").put("ts", threadTs).put("text", "card");

    HttpResponse<String> response =
        slack.postSigned(broadcast.toString(), "application/json", Map.of());

    assertThat(response.statusCode()).isEqualTo(200);
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    assertThat(event(r, AuditAction.REQUEST_APPROVED).details())
        .containsEntry("message_ts", "1772442100.000100");
  }

  @Test
  void replayTakesRepliesAlsoSentToTheChannelAndSkipsEditedOnes() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h edited while down");
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    // Written first as "looking", edited to "deny" later: live, the edit was ignored, so the replay
    // ignores it too.
    ObjectNode edited = message("1772442100.000001", "U0APPROVER2", "T0CUSTOMER", "deny");
    edited.putObject("edited").put("user", "U0APPROVER2").put("ts", "1772442300.000000");
    ObjectNode broadcast =
        message("1772442200.000001", "U0APPROVER1", "T0CUSTOMER", "approve")
            .put("subtype", "thread_broadcast");
    stubThread(threadTs, edited, broadcast);

    assertThat(slack.surface.threadReplay().replayPendingThreads()).isEqualTo(1);

    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE);
    assertThat(slack.get(r.id()).decidedBy()).contains(Fixtures.APPROVER);
    assertThat(event(r, AuditAction.REQUEST_APPROVED).details())
        .containsEntry("message_ts", "1772442200.000001");
  }

  @Test
  void replayedApprovalCountsFromWhenItWasWritten() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 4h written before the window ended");
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    java.time.Instant written = r.createdAt().plus(Duration.ofHours(1));
    stubThread(
        threadTs,
        message(written.getEpochSecond() + ".000100", "U0APPROVER1", "T0CUSTOMER", "approved"));
    // Latchkey was down until after the two-hour window; the reply was written inside it.
    slack.clock.set(r.pendingExpiresAt().plus(Duration.ofMinutes(30)));

    assertThat(slack.surface.threadReplay().replayPendingThreads()).isEqualTo(1);

    AccessRequest after = slack.get(r.id());
    assertThat(after.state()).isEqualTo(RequestState.ACTIVE);
    assertThat(after.expiresAt()).contains(written.plusNanos(100_000).plus(Duration.ofHours(4)));
    assertThat(WrittenDecisions.writtenAt("1772442100.000200"))
        .contains(java.time.Instant.parse("2026-03-02T09:01:40.000200Z"));
    assertThat(WrittenDecisions.writtenAt("not a ts")).isEmpty();
  }

  private static ObjectNode message(String ts, String user, String team, String text) {
    ObjectNode m = SlackHarness.JSON.createObjectNode();
    m.put("type", "message");
    m.put("user", user);
    m.put("team", team);
    m.put("text", text);
    m.put("ts", ts);
    return m;
  }

  private AuditEvent event(AccessRequest r, AuditAction action) {
    return slack.memoryAudit.forRequest(r.id()).stream()
        .map(e -> e.event())
        .filter(e -> e.action() == action)
        .findFirst()
        .orElseThrow();
  }
}
