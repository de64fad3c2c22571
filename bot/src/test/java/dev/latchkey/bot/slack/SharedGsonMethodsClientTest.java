package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.slack.api.Slack;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.util.http.listener.HttpResponseListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Web API client that parses with one shared Gson answers exactly as the SDK's own: the same
 * parsed responses, headers, response listeners, and the same SlackApiException for 429 and 5xx (so
 * retries keep working).
 */
class SharedGsonMethodsClientTest {
  private final WireMockServer wm = SlackHarness.wireMock();
  private final List<Duration> sleeps = new ArrayList<>();
  private SlackApi api;
  private MethodsClient sdk;
  private final AtomicInteger listened = new AtomicInteger();

  @BeforeEach
  void start() {
    wm.resetAll();
    SlackSettings settings = new SlackSettings("xoxb-t", "s", wm.baseUrl() + "/api/");
    Slack slack = SlackApi.slackFor(settings);
    HttpResponseListener counting =
        new HttpResponseListener() {
          @Override
          public void accept(State state) {
            listened.incrementAndGet();
          }
        };
    slack.getConfig().getHttpClientResponseHandlers().add(counting);
    api = new SlackApi(slack, "xoxb-t", sleeps::add);
    sdk = slack.methods("xoxb-t");
  }

  @Test
  void slackApiUsesTheSharedGsonClient() {
    assertThat(api.methods()).isInstanceOf(SharedGsonMethodsClient.class);
  }

  @Test
  void parsesEveryAnswerAsTheSdkDoes() throws Exception {
    wm.stubFor(
        post("/api/users.info")
            .willReturn(
                okJson(
                        "{\"ok\":true,\"user\":{\"id\":\"U1\",\"team_id\":\"T1\","
                            + "\"enterprise_user\":{\"enterprise_id\":\"E1\"},\"profile\":{\"email\":\"a@b.example\"}}}")
                    .withHeader("X-Slack-Req-Id", "abc")));
    wm.stubFor(
        post("/api/conversations.replies")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"messages\":[{\"type\":"
                        + "\"message\",\"user\":\"U1\",\"text\":\"approve\",\"ts\":\"1.2\",\"thread_ts\":\"1.1\",\"edited\":"
                        + "{\"user\":\"U1\",\"ts\":\"1.3\"},\"metadata\":{\"event_type\":\"latchkey_request\",\"event_payload\":"
                        + "{\"request_id\":\"ar-7k2m9q4x\"}}}],\"has_more\":false,\"response_metadata\":{\"next_cursor\":\"\"}}")));
    wm.stubFor(
        post("/api/chat.postMessage")
            .willReturn(okJson("{\"ok\":false,\"error\":\"channel_not_found\"}")));

    MethodsClient ours = api.methods();
    assertSame(ours.usersInfo(r -> r.user("U1")), sdk.usersInfo(r -> r.user("U1")));
    assertSame(
        ours.conversationsReplies(r -> r.channel("C1").ts("1.1")),
        sdk.conversationsReplies(r -> r.channel("C1").ts("1.1")));
    assertSame(
        ours.chatPostMessage(r -> r.channel("C1").text("x")),
        sdk.chatPostMessage(r -> r.channel("C1").text("x")));
    var user = ours.usersInfo(r -> r.user("U1"));
    assertThat(user.getUser().getEnterpriseUser().getEnterpriseId()).isEqualTo("E1");
    assertThat(user.getHttpResponseHeaders()).containsKey("x-slack-req-id");
    // The SDK runs response listeners once per successful answer; so does the shared-Gson client.
    listened.set(0);
    ours.usersInfo(r -> r.user("U1"));
    assertThat(listened).hasValue(1);
  }

  @Test
  void rateLimitAndServerErrorsThrowAsTheSdkDoesAndAreRetriedAsBefore() throws Exception {
    wm.stubFor(
        post("/api/chat.update")
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "7")
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"ok\":false,\"error\":\"ratelimited\"}")));
    wm.stubFor(
        post("/api/chat.getPermalink")
            .willReturn(aResponse().withStatus(503).withBody("upstream down")));

    SlackApiException ours =
        thrown(() -> api.methods().chatUpdate(r -> r.channel("C1").ts("1.1").text("x")));
    SlackApiException theirs =
        thrown(() -> sdk.chatUpdate(r -> r.channel("C1").ts("1.1").text("x")));
    assertThat(ours.getResponse().code()).isEqualTo(theirs.getResponse().code()).isEqualTo(429);
    assertThat(ours.getResponse().header("Retry-After")).isEqualTo("7");
    assertThat(ours.getError().getError())
        .isEqualTo(theirs.getError().getError())
        .isEqualTo("ratelimited");
    assertThat(ours.getResponseBody()).isEqualTo(theirs.getResponseBody());
    SlackApiException down =
        thrown(() -> api.methods().chatGetPermalink(r -> r.channel("C1").messageTs("1")));
    assertThat(down.getResponse().code()).isEqualTo(503);
    assertThat(down.getResponseBody()).isEqualTo("upstream down");

    assertThatThrownBy(() -> api.permalink("C1", "1.1"))
        .isInstanceOfSatisfying(
            SlackCallException.class,
            e -> {
              assertThat(e.error()).isEqualTo("http_503");
              assertThat(e.retryable()).isTrue();
            });
    assertThat(sleeps).hasSize(SlackApi.ATTEMPTS - 1);
    wm.stubFor(
        post("/api/chat.update")
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "99")
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"ok\":false,\"error\":\"ratelimited\"}")));
    assertThatThrownBy(() -> api.update("C1", "1.1", "x", List.of()))
        .isInstanceOfSatisfying(
            SlackCallException.class,
            e -> {
              assertThat(e.error()).isEqualTo("ratelimited");
              assertThat(e.retryAfter()).contains(Duration.ofSeconds(99));
            });
  }

  private static void assertSame(SlackApiTextResponse ours, SlackApiTextResponse theirs) {
    ours.setHttpResponseHeaders(null);
    theirs.setHttpResponseHeaders(null);
    assertThat(ours).isEqualTo(theirs);
    assertThat(ours.toString()).isEqualTo(theirs.toString());
  }

  @FunctionalInterface
  interface Call {
    Object run() throws Exception;
  }

  private static SlackApiException thrown(Call call) {
    try {
      call.run();
    } catch (SlackApiException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a SlackApiException, got " + e, e);
    }
    throw new AssertionError("expected a SlackApiException");
  }
}
