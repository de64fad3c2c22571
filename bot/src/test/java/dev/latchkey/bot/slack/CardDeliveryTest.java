package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cards survive Slack's rate limits and outages: updated later, never lost, never posted twice. */
class CardDeliveryTest {
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
  void rateLimitedUpdateWaitsForRetryAfterWithoutHoldingAThread() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h rate limited");
    slack.wm.stubFor(
        post("/api/chat.update")
            .inScenario("rate")
            .whenScenarioStateIs(STARTED)
            .willReturn(rateLimited(1))
            .willSetStateTo("answering"));
    slack.wm.stubFor(
        post("/api/chat.update")
            .inScenario("rate")
            .whenScenarioStateIs("answering")
            .willReturn(okJson("{\"ok\":true}")));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Active", "Revoke now");
    List<Instant> updates = times("/api/chat.update");
    assertThat(updates).hasSizeGreaterThanOrEqualTo(2);
    assertThat(Duration.between(updates.get(0), updates.get(1)))
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(slack.sleeps).as("no thread slept on the rate limit").isEmpty();
    assertThat(slack.cardPosts()).hasSize(1);
  }

  @Test
  void changesCloseTogetherShareOneCardUpdate() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h one update");
    slack.wm.resetRequests();

    // Approval, then the grant a moment later: two changes, two thread replies, one card update
    // showing both.
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.awaitCardShows(r.id());
    assertThat(slack.threadReplies(r.id()))
        .anySatisfy(t -> assertThat(t).contains("Approved by"))
        .anySatisfy(t -> assertThat(t).contains("granted"));
    assertThat(slack.calls("chat.update"))
        .singleElement()
        .satisfies(u -> assertThat(u.get("blocks")).contains("Revoke now"));
  }

  @Test
  void aChangeWhoseCardAlreadyShowsItCostsNoCardUpdate() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h shown once");
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.awaitCardShows(r.id());
    int updates = times("/api/chat.update").size();
    AccessRequest active = slack.get(r.id());

    // A second notice about the version the card already shows (e.g. two changes in a row, the
    // first of whose
    // updates showed both): its thread reply goes out, the card is not sent again.
    slack
        .surface
        .notifier()
        .requestChanged(
            active,
            dev.latchkey.core.AuditEvent.about(
                active,
                slack.clock.instant(),
                dev.latchkey.core.Actor.SYSTEM,
                dev.latchkey.core.AuditAction.GRANT_CREATED,
                dev.latchkey.core.AuditResult.OK,
                java.util.Map.of("subject", "ServiceAccount latchkey-grants/x")));

    await()
        .untilAsserted(
            () ->
                assertThat(
                        slack.wm.findAll(
                            postRequestedFor(urlEqualTo("/api/chat.postMessage"))
                                .withRequestBody(containing("granted"))))
                    .hasSizeGreaterThanOrEqualTo(2));
    assertThat(times("/api/chat.update")).hasSize(updates);
  }

  @Test
  void longerRetryAfterMovesARetryAlreadyScheduled() throws Exception {
    AccessRequest a = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h card a");
    AccessRequest b = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h card b");
    for (AccessRequest r : List.of(a, b)) {
      slack.memoryRequests.update(
          r,
          r.withState(RequestState.CANCELLED).withEnd(slack.clock.instant(), Fixtures.ENGINEER),
          List.of());
    }
    slack.wm.stubFor(post("/api/chat.update").willReturn(okJson("{\"ok\":true}")));
    slack.wm.stubFor(
        post("/api/chat.update")
            .withFormParam("ts", equalTo(slack.cards.find(a.id()).orElseThrow().ts()))
            .inScenario("a")
            .whenScenarioStateIs(STARTED)
            .willReturn(rateLimited(1).withFixedDelay(200))
            .willSetStateTo("ok"));
    slack.wm.stubFor(
        post("/api/chat.update")
            .withFormParam("ts", equalTo(slack.cards.find(b.id()).orElseThrow().ts()))
            .inScenario("b")
            .whenScenarioStateIs(STARTED)
            .willReturn(rateLimited(3).withFixedDelay(600))
            .willSetStateTo("ok"));
    slack.wm.resetRequests();
    CardSync sync = slack.surface.cardSync();

    // Both cards are updated at once; the first answer (after 200 ms) asks for 1 s, the second
    // (after 600 ms), for
    // 3 s: the retry scheduled for the first must move.
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      var first = two.submit(() -> sync.sync(a.id()));
      var second = two.submit(() -> sync.sync(b.id()));
      assertThat(List.of(first.get(), second.get())).containsOnly(CardSync.Result.RETRY_LATER);
    } finally {
      two.shutdownNow();
    }

    assertThat(sync.scheduledRetry())
        .hasValueSatisfying(wait -> assertThat(wait).isGreaterThan(Duration.ofMillis(2500)));
    await()
        .atMost(Duration.ofSeconds(8))
        .untilAsserted(() -> assertThat(slack.cards.findOutOfDate(10)).isEmpty());
    List<Instant> updates = times("/api/chat.update");
    assertThat(updates).hasSize(4);
    assertThat(Duration.between(updates.get(1), updates.get(2)))
        .isGreaterThanOrEqualTo(Duration.ofMillis(2900));
    assertThat(slack.sleeps).isEmpty();
  }

  @Test
  void rateLimitedThreadReplyIsPostedLaterWithoutHoldingAThread() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h thread rate limited");
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .withFormParam("thread_ts", equalTo(threadTs))
            .inScenario("t")
            .whenScenarioStateIs(STARTED)
            .willReturn(rateLimited(1))
            .willSetStateTo("ok"));
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .withFormParam("thread_ts", equalTo(threadTs))
            .inScenario("t")
            .whenScenarioStateIs("ok")
            .willReturn(okJson("{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1.5\"}")));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.threadReplies(r.id()))
                    .filteredOn(t -> t.contains("Approved by <@U0APPROVER1>"))
                    .hasSize(2));
    await()
        .untilAsserted(
            () ->
                assertThat(slack.threadReplies(r.id()))
                    .anySatisfy(t -> assertThat(t).contains("Access granted")));
    // In order: the approval notice (tried twice) before the grant notice.
    assertThat(slack.threadReplies(r.id()).getLast()).contains("Access granted");
    assertThat(slack.sleeps).isEmpty();
  }

  private static ResponseDefinitionBuilder rateLimited(int seconds) {
    return aResponse()
        .withStatus(429)
        .withHeader("Retry-After", Integer.toString(seconds))
        .withHeader("Content-Type", "application/json")
        .withBody("{\"ok\":false,\"error\":\"ratelimited\"}");
  }

  private List<Instant> times(String url) {
    return slack.wm.findAll(postRequestedFor(urlEqualTo(url))).stream()
        .map(e -> e.getLoggedDate().toInstant())
        .sorted()
        .toList();
  }

  @Test
  void cardPostFailingForAWhileIsPostedOnceLater() throws Exception {
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .inScenario("outage")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503).withBody("upstream unavailable"))
            .willSetStateTo("down2"));
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .inScenario("outage")
            .whenScenarioStateIs("down2")
            .willReturn(okJson("{\"ok\":false,\"error\":\"internal_error\"}"))
            .willSetStateTo("up"));
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .inScenario("outage")
            .whenScenarioStateIs("up")
            .willReturn(
                okJson("{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1772442000.999999\"}")));

    slack.command(Fixtures.ENGINEER, "request prod readonly 1h while slack is flaky");

    await().untilAsserted(() -> assertThat(slack.listing.all()).hasSize(1));
    AccessRequest r = slack.listing.all().iterator().next();
    // Each failure leaves the card out of date; a later pass posts it, after looking whether Slack
    // had.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(slack.cards.find(r.id()))
                    .hasValueSatisfying(c -> assertThat(c.ts()).isEqualTo("1772442000.999999")));
    slack.awaitCardShows(r.id());
    assertThat(((InMemoryCardStore) slack.cards).saves()).isEqualTo(1);
    assertThat(slack.cardPosts()).hasSize(3);
    assertThat(slack.calls("conversations.history"))
        .hasSize(2)
        .allSatisfy(
            c ->
                assertThat(c)
                    .containsEntry("channel", Fixtures.CHANNEL)
                    .containsEntry("include_all_metadata", "1")
                    .containsEntry(
                        "oldest",
                        Long.toString(r.createdAt().minusSeconds(120).getEpochSecond())
                            + ".000000"));
    assertThat(slack.cardPosts())
        .allSatisfy(
            p ->
                assertThat(p.get("metadata"))
                    .contains(
                        "\"event_type\":\"latchkey_request\"",
                        "\"request_id\":\"" + r.id().value() + "\""));
  }

  @Test
  void cardSlackPostedDespiteAFailedAnswerIsAdoptedNotPostedAgain() throws Exception {
    // Slack answers 503 after posting the card (a proxy timing out, say): the post may or may not
    // have happened.
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .withFormParam("metadata", containing("latchkey_request"))
            .willReturn(aResponse().withStatus(503)));
    AccessRequest r = submitDirectly("posted although the answer failed");
    slack.wm.stubFor(
        post("/api/conversations.history")
            .willReturn(
                okJson(
                    history(
                        card("1772442000.000300", "ar-00000000"),
                        card("1772442000.777777", r.id().value()),
                        SlackHarness.JSON
                            .createObjectNode()
                            .put("type", "message")
                            .put("user", "U0APPROVER1")
                            .put("text", "unrelated")
                            .put("ts", "1772442000.000200")))));

    await()
        .atMost(Duration.ofSeconds(8))
        .untilAsserted(
            () ->
                assertThat(slack.cards.find(r.id()))
                    .hasValueSatisfying(c -> assertThat(c.ts()).isEqualTo("1772442000.777777")));
    slack.awaitCardShows(r.id());

    assertThat(slack.cardPosts()).hasSize(1);
    assertThat(slack.calls("chat.update"))
        .anySatisfy(u -> assertThat(u).containsEntry("ts", "1772442000.777777"));
  }

  @Test
  void anotherAppsLookAlikeIsNeverAdoptedAndItsThreadDecidesNothing() throws Exception {
    // Latchkey's card post is not answered (the proxy times out); meanwhile a hostile app in the
    // channel posts a "readonly" look-alike carrying the metadata of this operator request.
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .withFormParam("metadata", containing("latchkey_request"))
            .inScenario("post")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("answering"));
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .withFormParam("metadata", containing("latchkey_request"))
            .inScenario("post")
            .whenScenarioStateIs("answering")
            .willReturn(
                okJson("{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1772442000.888888\"}")));
    AccessRequest r = submitDirectly("operator", "a look-alike will be posted");
    ObjectNode lookAlike =
        card("1772442000.666666", r.id().value(), "B0HOSTILE", "U0HOSTILE")
            .put("text", "Access request " + r.id().value() + ": readonly on prod");
    slack.wm.stubFor(post("/api/conversations.history").willReturn(okJson(history(lookAlike))));

    await()
        .atMost(Duration.ofSeconds(8))
        .untilAsserted(
            () ->
                assertThat(slack.cards.find(r.id()))
                    .hasValueSatisfying(c -> assertThat(c.ts()).isEqualTo("1772442000.888888")));
    slack.awaitCardShows(r.id());
    assertThat(slack.calls("conversations.history")).isNotEmpty();
    assertThat(slack.cardPosts()).hasSize(2);
    assertThat(slack.calls("chat.update"))
        .noneSatisfy(u -> assertThat(u).containsEntry("ts", "1772442000.666666"));
    assertThat(slack.calls("auth.test")).hasSize(1);

    // An approver, fooled by the look-alike, approves in its thread: nothing is decided.
    slack.postSigned(
        slack.threadReplyEvent(
            Fixtures.APPROVER, "1772442000.666666", "1772442100.000100", "approve", "Ev0LOOK"),
        "application/json",
        java.util.Map.of());
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
              assertThat(slack.get(r.id()).approvals()).isEmpty();
              assertThat(slack.memoryAudit.actions(r.id()))
                  .containsExactly(dev.latchkey.core.AuditAction.REQUEST_SUBMITTED);
            });
  }

  @Test
  void withoutItsOwnBotIdLatchkeyAdoptsNothingAndPostsItsCard() throws Exception {
    slack.wm.stubFor(
        post("/api/auth.test").willReturn(okJson("{\"ok\":false,\"error\":\"invalid_auth\"}")));
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .withFormParam("metadata", containing("latchkey_request"))
            .inScenario("post")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("answering"));
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .withFormParam("metadata", containing("latchkey_request"))
            .inScenario("post")
            .whenScenarioStateIs("answering")
            .willReturn(
                okJson("{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1772442000.888888\"}")));
    AccessRequest r = submitDirectly("readonly", "own bot id unknown");
    slack.wm.stubFor(
        post("/api/conversations.history")
            .willReturn(okJson(history(card("1772442000.777777", r.id().value())))));

    await()
        .atMost(Duration.ofSeconds(8))
        .untilAsserted(
            () ->
                assertThat(slack.cards.find(r.id()))
                    .hasValueSatisfying(c -> assertThat(c.ts()).isEqualTo("1772442000.888888")));
    assertThat(slack.calls("auth.test")).isNotEmpty();
    assertThat(slack.calls("conversations.history")).isEmpty();
    assertThat(slack.cardPosts()).hasSize(2);
  }

  @Test
  void repairLeavesANewRequestToItsOwnProcessAndLooksBeforePostingAnOldOne() throws Exception {
    // Stored by another replica (no notice here): its card is that process's to post.
    AccessRequest r =
        AccessRequest.submitted(
            new dev.latchkey.core.RequestId("ar-7k2m9q4x"),
            dev.latchkey.core.RequestKind.ACCESS,
            java.util.Optional.empty(),
            Fixtures.PROD,
            "readonly",
            dev.latchkey.core.Scope.CLUSTER,
            dev.latchkey.core.CredentialMode.TOKEN,
            Fixtures.REQUESTER,
            "another replica's",
            Duration.ofHours(1),
            slack.clock.instant(),
            Duration.ofHours(2),
            1);
    slack.requests.insert(r, List.of());

    assertThat(slack.surface.cardSync().syncOutOfDate()).isZero();
    assertThat(slack.cardPosts()).isEmpty();
    assertThat(slack.cards.find(r.id())).isEmpty();

    // It posted the card but died before saving where: once the request is older, the card is found
    // and kept.
    slack.wm.stubFor(
        post("/api/conversations.history")
            .willReturn(okJson(history(card("1772442000.424242", r.id().value())))));
    slack.clock.advance(CardPosting.LOOK_AFTER);

    assertThat(slack.surface.cardSync().syncOutOfDate()).isEqualTo(1);
    assertThat(slack.cards.find(r.id()))
        .hasValueSatisfying(c -> assertThat(c.ts()).isEqualTo("1772442000.424242"));
    assertThat(slack.cardPosts()).isEmpty();
    assertThat(slack.calls("chat.update"))
        .singleElement()
        .satisfies(u -> assertThat(u).containsEntry("ts", "1772442000.424242"));
  }

  private AccessRequest submitDirectly(String reason) {
    return submitDirectly("readonly", reason);
  }

  private AccessRequest submitDirectly(String role, String reason) {
    return ((dev.latchkey.core.request.SubmitRequest.Result.Submitted)
            slack
                .core
                .submit()
                .submit(
                    new dev.latchkey.core.Submission(
                        Fixtures.ACME,
                        "prod",
                        role,
                        java.util.Optional.of(Duration.ofHours(1)),
                        List.of(),
                        Fixtures.REQUESTER,
                        reason)))
        .request();
  }

  private static ObjectNode card(String ts, String requestId) {
    return card(ts, requestId, "B0LATCHKEY", "U0LATCHKEY");
  }

  /** A bot's message carrying a card's metadata; Latchkey's own bot is B0LATCHKEY / U0LATCHKEY. */
  private static ObjectNode card(String ts, String requestId, String botId, String botUserId) {
    ObjectNode m =
        SlackHarness.JSON
            .createObjectNode()
            .put("type", "message")
            .put("user", botUserId)
            .put("bot_id", botId)
            .put("text", "Access request")
            .put("ts", ts);
    m.putObject("metadata")
        .put("event_type", "latchkey_request")
        .putObject("event_payload")
        .put("request_id", requestId);
    return m;
  }

  private static String history(ObjectNode... messages) {
    ObjectNode body = SlackHarness.JSON.createObjectNode().put("ok", true).put("has_more", false);
    ArrayNode list = body.putArray("messages");
    for (ObjectNode m : messages) {
      list.add(m);
    }
    return body.toString();
  }

  @Test
  void interruptedUpdateIsMadeByTheNextSyncWithoutReposting() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h crash between");
    slack.wm.resetRequests();
    // A change stored while the process died before touching Slack: the card is now out of date.
    slack.memoryRequests.update(
        r,
        r.withState(RequestState.CANCELLED).withEnd(slack.clock.instant(), Fixtures.ENGINEER),
        List.of());
    assertThat(slack.cards.findOutOfDate(10)).containsExactly(r.id());

    int shown = slack.surface.cardSync().syncOutOfDate();

    assertThat(shown).isEqualTo(1);
    assertThat(slack.cardPosts()).isEmpty();
    assertThat(slack.calls("chat.update"))
        .singleElement()
        .satisfies(u -> assertThat(u.get("blocks")).contains("Cancelled"));
    assertThat(slack.cards.findOutOfDate(10)).isEmpty();
    assertThat(slack.surface.cardSync().syncOutOfDate()).isZero();
  }

  @Test
  void updateLostToAnOutageIsMadeWhenSlackAnswersAgain() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h outage on approval");
    slack.wm.stubFor(post("/api/chat.update").willReturn(aResponse().withStatus(502)));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    await()
        .untilAsserted(() -> assertThat(slack.calls("chat.update")).hasSizeGreaterThanOrEqualTo(3));
    assertThat(slack.cards.findOutOfDate(10)).containsExactly(r.id());

    slack.wm.stubFor(post("/api/chat.update").willReturn(okJson("{\"ok\":true}")));

    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Active");
    assertThat(slack.cardPosts()).hasSize(1);
  }
}
