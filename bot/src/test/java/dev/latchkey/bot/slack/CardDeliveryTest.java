package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
    slack.wm.stubFor(post("/api/chat.update").inScenario("rate").whenScenarioStateIs(STARTED)
        .willReturn(rateLimited(1)).willSetStateTo("answering"));
    slack.wm.stubFor(post("/api/chat.update").inScenario("rate").whenScenarioStateIs("answering")
        .willReturn(okJson("{\"ok\":true}")));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());

    await().untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Active", "Revoke now");
    List<Instant> updates = times("/api/chat.update");
    assertThat(updates).hasSizeGreaterThanOrEqualTo(2);
    assertThat(Duration.between(updates.get(0), updates.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(slack.sleeps).as("no thread slept on the rate limit").isEmpty();
    assertThat(slack.cardPosts()).hasSize(1);
  }

  @Test
  void longerRetryAfterMovesARetryAlreadyScheduled() throws Exception {
    AccessRequest a = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h card a");
    AccessRequest b = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h card b");
    for (AccessRequest r : List.of(a, b)) {
      slack.memoryRequests.update(r, r.withState(RequestState.CANCELLED).withEnd(slack.clock.instant(),
          Fixtures.ENGINEER), List.of());
    }
    slack.wm.stubFor(post("/api/chat.update").willReturn(okJson("{\"ok\":true}")));
    slack.wm.stubFor(post("/api/chat.update").withFormParam("ts", equalTo(slack.cards.find(a.id()).orElseThrow()
        .ts())).inScenario("a").whenScenarioStateIs(STARTED).willReturn(rateLimited(1).withFixedDelay(200))
        .willSetStateTo("ok"));
    slack.wm.stubFor(post("/api/chat.update").withFormParam("ts", equalTo(slack.cards.find(b.id()).orElseThrow()
        .ts())).inScenario("b").whenScenarioStateIs(STARTED).willReturn(rateLimited(3).withFixedDelay(600))
        .willSetStateTo("ok"));
    slack.wm.resetRequests();
    CardSync sync = slack.surface.cardSync();

    // Both cards are updated at once; the first answer (after 200 ms) asks for 1 s, the second (after 600 ms), for
    // 3 s: the retry scheduled for the first must move.
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      var first = two.submit(() -> sync.sync(a.id()));
      var second = two.submit(() -> sync.sync(b.id()));
      assertThat(List.of(first.get(), second.get())).containsOnly(CardSync.Result.RETRY_LATER);
    } finally {
      two.shutdownNow();
    }

    assertThat(sync.scheduledRetry()).hasValueSatisfying(wait -> assertThat(wait)
        .isGreaterThan(Duration.ofMillis(2500)));
    await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> assertThat(slack.cards.findOutOfDate(10)).isEmpty());
    List<Instant> updates = times("/api/chat.update");
    assertThat(updates).hasSize(4);
    assertThat(Duration.between(updates.get(1), updates.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
    assertThat(slack.sleeps).isEmpty();
  }

  @Test
  void rateLimitedThreadReplyIsPostedLaterWithoutHoldingAThread() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h thread rate limited");
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    slack.wm.stubFor(post("/api/chat.postMessage").withFormParam("thread_ts", equalTo(threadTs)).inScenario("t")
        .whenScenarioStateIs(STARTED).willReturn(rateLimited(1)).willSetStateTo("ok"));
    slack.wm.stubFor(post("/api/chat.postMessage").withFormParam("thread_ts", equalTo(threadTs)).inScenario("t")
        .whenScenarioStateIs("ok").willReturn(okJson("{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1.5\"}")));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());

    await().untilAsserted(() -> assertThat(slack.threadReplies(r.id()))
        .filteredOn(t -> t.contains("Approved by <@U0APPROVER1>")).hasSize(2));
    await().untilAsserted(() -> assertThat(slack.threadReplies(r.id()))
        .anySatisfy(t -> assertThat(t).contains("Access granted")));
    // In order: the approval notice (tried twice) before the grant notice.
    assertThat(slack.threadReplies(r.id()).getLast()).contains("Access granted");
    assertThat(slack.sleeps).isEmpty();
  }

  private static ResponseDefinitionBuilder rateLimited(int seconds) {
    return aResponse().withStatus(429).withHeader("Retry-After", Integer.toString(seconds))
        .withHeader("Content-Type", "application/json").withBody("{\"ok\":false,\"error\":\"ratelimited\"}");
  }

  private List<Instant> times(String url) {
    return slack.wm.findAll(postRequestedFor(urlEqualTo(url))).stream()
        .map(e -> e.getLoggedDate().toInstant()).sorted().toList();
  }

  @Test
  void cardPostFailingForAWhileIsPostedOnceLater() throws Exception {
    slack.wm.stubFor(post("/api/chat.postMessage").inScenario("outage").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(503).withBody("upstream unavailable")).willSetStateTo("down2"));
    slack.wm.stubFor(post("/api/chat.postMessage").inScenario("outage").whenScenarioStateIs("down2")
        .willReturn(aResponse().withStatus(500)).willSetStateTo("down3"));
    slack.wm.stubFor(post("/api/chat.postMessage").inScenario("outage").whenScenarioStateIs("down3")
        .willReturn(okJson("{\"ok\":false,\"error\":\"internal_error\"}")).willSetStateTo("up"));
    slack.wm.stubFor(post("/api/chat.postMessage").inScenario("outage").whenScenarioStateIs("up")
        .willReturn(okJson("{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1772442000.999999\"}")));

    slack.command(Fixtures.ENGINEER, "request prod readonly 1h while slack is flaky");

    await().untilAsserted(() -> assertThat(slack.listing.all()).hasSize(1));
    AccessRequest r = slack.listing.all().iterator().next();
    // Three tries fail inside one attempt; the card stays out of date and a later sync posts it.
    await().atMost(Duration.ofSeconds(8)).untilAsserted(() ->
        assertThat(slack.cards.find(r.id())).hasValueSatisfying(c -> assertThat(c.ts())
            .isEqualTo("1772442000.999999")));
    slack.awaitCardShows(r.id());
    assertThat(((InMemoryCardStore) slack.cards).saves()).isEqualTo(1);
    assertThat(slack.calls("chat.postMessage").stream()
        .filter(c -> c.get("thread_ts") == null && Fixtures.CHANNEL.equals(c.get("channel")))).hasSize(4);
  }

  @Test
  void interruptedUpdateIsMadeByTheNextSyncWithoutReposting() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h crash between");
    slack.wm.resetRequests();
    // A change stored while the process died before touching Slack: the card is now out of date.
    slack.memoryRequests.update(r, r.withState(RequestState.CANCELLED).withEnd(slack.clock.instant(),
        Fixtures.ENGINEER), List.of());
    assertThat(slack.cards.findOutOfDate(10)).containsExactly(r.id());

    int shown = slack.surface.cardSync().syncOutOfDate();

    assertThat(shown).isEqualTo(1);
    assertThat(slack.cardPosts()).isEmpty();
    assertThat(slack.calls("chat.update")).singleElement()
        .satisfies(u -> assertThat(u.get("blocks")).contains("Cancelled"));
    assertThat(slack.cards.findOutOfDate(10)).isEmpty();
    assertThat(slack.surface.cardSync().syncOutOfDate()).isZero();
  }

  @Test
  void updateLostToAnOutageIsMadeWhenSlackAnswersAgain() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h outage on approval");
    slack.wm.stubFor(post("/api/chat.update").willReturn(aResponse().withStatus(502)));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    await().untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    await().untilAsserted(() -> assertThat(slack.calls("chat.update")).hasSizeGreaterThanOrEqualTo(3));
    assertThat(slack.cards.findOutOfDate(10)).containsExactly(r.id());

    slack.wm.stubFor(post("/api/chat.update").willReturn(okJson("{\"ok\":true}")));

    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Active");
    assertThat(slack.cardPosts()).hasSize(1);
  }
}
