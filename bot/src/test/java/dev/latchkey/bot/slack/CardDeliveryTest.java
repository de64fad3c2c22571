package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.testing.Fixtures;
import java.time.Duration;
import java.util.List;
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
  void rateLimitedUpdateWaitsForRetryAfterThenSucceeds() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h rate limited");
    slack.wm.stubFor(post("/api/chat.update").inScenario("rate").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "7")
            .withHeader("Content-Type", "application/json").withBody("{\"ok\":false,\"error\":\"ratelimited\"}"))
        .willSetStateTo("answering"));
    slack.wm.stubFor(post("/api/chat.update").inScenario("rate").whenScenarioStateIs("answering")
        .willReturn(okJson("{\"ok\":true}")));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());

    await().untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.awaitCardShows(r.id());
    assertThat(slack.sleeps).contains(Duration.ofSeconds(7));
    assertThat(slack.latestCard(r.id())).contains("Active", "Revoke now");
    assertThat(slack.cardPosts()).hasSize(1);
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
