package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.latchkey.bot.ops.SlackApiMetrics;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Submission;
import dev.latchkey.core.testing.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A slow or rate-limiting Slack holds up neither the answers people wait for nor any thread. */
class SlowSlackTest {
  private SlackHarness slack;

  @BeforeEach
  void start() throws Exception {
    slack = new SlackHarness().enableProd();
  }

  @AfterEach
  void stop() {
    slack.close();
  }

  @Test
  void answersToClicksDoNotWaitBehindSlowCardPosts() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h the one clicked");
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .willReturn(
                okJson("{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1772442000.000042\"}")
                    .withFixedDelay(2500)));
    // Five new cards to post, each taking Slack 2.5 s: every background thread is busy for a while.
    for (int i = 0; i < 5; i++) {
      slack
          .core
          .submit()
          .submit(
              new Submission(
                  Fixtures.ACME,
                  "prod",
                  "readonly",
                  Optional.of(Duration.ofHours(1)),
                  List.of(),
                  Fixtures.REQUESTER,
                  "load " + i));
    }

    slack.click(Fixtures.BYSTANDER, RequestCard.APPROVE_ACTION, r.id());

    await()
        .atMost(Duration.ofMillis(1500))
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo("U0BYSTANDER"))
                    .anySatisfy(t -> assertThat(t).contains("not an approver for this request")));
  }

  @Test
  void everyFailedAttemptIsCountedByMethodAndError() {
    slack.wm.stubFor(post("/api/chat.getPermalink").willReturn(aResponse().withStatus(503)));
    slack.wm.stubFor(
        post("/api/chat.postMessage")
            .willReturn(okJson("{\"ok\":false,\"error\":\"not_in_channel\"}")));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SlackApi api =
        new SlackApi(SlackApi.slackFor(slack.settings), SlackHarness.TOKEN, slack.sleeps::add)
            .withFailureListener(new SlackApiMetrics(registry));

    assertThatThrownBy(() -> api.permalink("C0SHARED", "1.1"))
        .isInstanceOf(SlackCallException.class);
    assertThatThrownBy(
            () -> api.background().postMessage("C0SHARED", Optional.empty(), "x", List.of()))
        .isInstanceOf(SlackCallException.class);

    assertThat(
            registry
                .counter(
                    "latchkey.slack.errors", "method", "chat.getPermalink", "error", "http_503")
                .count())
        .isEqualTo(SlackApi.ATTEMPTS);
    assertThat(
            registry
                .counter(
                    "latchkey.slack.errors",
                    "method",
                    "chat.postMessage",
                    "error",
                    "not_in_channel")
                .count())
        .isEqualTo(1);
  }

  @Test
  void backgroundCallsHandRateLimitsBackAtOnceInteractiveOnesWaitWithinABound() {
    slack.wm.stubFor(
        post("/api/chat.update")
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "7")
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"ok\":false,\"error\":\"ratelimited\"}")));
    SlackApi api =
        new SlackApi(SlackApi.slackFor(slack.settings), SlackHarness.TOKEN, slack.sleeps::add);

    assertThatThrownBy(() -> api.background().update("C0SHARED", "1.1", "x", List.of()))
        .isInstanceOfSatisfying(
            SlackCallException.class,
            e -> {
              assertThat(e.retryable()).isTrue();
              assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
            });
    assertThat(slack.sleeps).isEmpty();
    assertThat(slack.calls("chat.update")).hasSize(1);

    // Interactive: waits in place, but never longer than MAX_INLINE_WAIT in all (7 s once, not a
    // second time).
    assertThatThrownBy(() -> api.update("C0SHARED", "1.1", "x", List.of()))
        .isInstanceOf(SlackCallException.class);
    assertThat(slack.sleeps).containsExactly(Duration.ofSeconds(7));
    assertThat(slack.sleeps.stream().reduce(Duration.ZERO, Duration::plus))
        .isLessThanOrEqualTo(SlackApi.MAX_INLINE_WAIT);
  }
}
