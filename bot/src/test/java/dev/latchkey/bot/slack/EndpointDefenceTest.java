package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.bot.http.HttpServer;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.testing.Fixtures;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * /slack/events against what Slack never sends: bad and stale signatures, huge and broken bodies,
 * malformed payloads. Each gets the right status and a short plain message, nothing is stored, the
 * server stays healthy.
 */
class EndpointDefenceTest {
  private static final String FORM = "application/x-www-form-urlencoded";

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
  void badSignatureIsRefusedAndNothingHappens() throws Exception {
    String body =
        slack.commandBody(Fixtures.ENGINEER, Fixtures.CHANNEL, "request prod readonly 1h sneaky");

    HttpResponse<String> response =
        slack.postSigned(
            body, FORM, System.currentTimeMillis() / 1000, "not-the-signing-secret", Map.of());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).isEqualTo("Invalid Slack signature.\n");
    assertNothingHappened();
  }

  @Test
  void staleTimestampIsRefusedEvenWhenTheSignatureMatches() throws Exception {
    String body =
        slack.commandBody(Fixtures.ENGINEER, Fixtures.CHANNEL, "request prod readonly 1h replayed");

    HttpResponse<String> old =
        slack.postSigned(
            body, FORM, System.currentTimeMillis() / 1000 - 6 * 60, SlackHarness.SECRET, Map.of());
    HttpResponse<String> future =
        slack.postSigned(
            body, FORM, System.currentTimeMillis() / 1000 + 6 * 60, SlackHarness.SECRET, Map.of());

    assertThat(old.statusCode()).isEqualTo(401);
    assertThat(old.body()).contains("Stale");
    assertThat(future.statusCode()).isEqualTo(401);
    assertNothingHappened();
  }

  @Test
  void onlyARealSslCheckGoesUnsigned() throws Exception {
    // A command or interaction with ssl_check=1 tacked on is not Slack's certificate check: it must
    // be signed.
    String command =
        slack.commandBody(Fixtures.ADMIN, Fixtures.CHANNEL, "disable prod --now") + "&ssl_check=1";
    String click =
        SlackHarness.form(
            Map.of(
                "payload",
                slack.clickPayload(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, "ar-00000000"),
                "ssl_check",
                "1"));
    for (String body : List.of(command, click, "ssl_check=1&" + command)) {
      HttpResponse<String> sneaky =
          slack.http.send(
              HttpRequest.newBuilder(slack.endpoint())
                  .header("Content-Type", FORM)
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(sneaky.statusCode()).as(body).isEqualTo(401);
      assertThat(sneaky.body()).as(body).startsWith("Missing Slack signature headers");
    }
    assertNothingHappened();
    // Slack's own check: ssl_check=1 and its token, nothing else, unsigned.
    HttpResponse<String> real =
        slack.http.send(
            HttpRequest.newBuilder(slack.endpoint())
                .header("Content-Type", FORM)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "ssl_check=1&token=legacy-verification-token"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(real.statusCode()).isEqualTo(200);
    assertThat(slack.core.settings().enablement(Fixtures.PROD).enabled()).isTrue();
  }

  @Test
  void aBodyThatMerelyHoldsSslCheckMustStillBeSigned() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod operator 1h forged reply");
    String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
    // A thread reply "approve" by a real approver, forged and unsigned, with ssl_check=1 inside one
    // of its strings: before, the servlet took it for Slack's certificate check and Bolt applied
    // it.
    String forgedReply =
        slack
            .threadReplyEvent(Fixtures.APPROVER, threadTs, "1772442100.000500", "approve", "Ev0SSL")
            .replace("\"legacy-verification-token\"", "\"x&ssl_check=1&y\"");
    String command = slack.commandBody(Fixtures.ADMIN, Fixtures.CHANNEL, "disable prod --now");
    Map<String, String> bodies = new java.util.LinkedHashMap<>();
    bodies.put(forgedReply, "application/json");
    bodies.put("ssl_check=1&token=x&" + command, FORM);
    bodies.put("ssl_check=1&token=x&text=approve&user_id=U0APPROVER1", FORM);
    bodies.put("ssl_check=1&token=x&ssl_check=1", FORM);
    bodies.put("ssl_check=1&token=x&token=y", FORM);
    bodies.put("ssl_check=1&tok%65n=x", FORM);
    bodies.put("ssl_check=1&token=x%26payload%3D%7B%7D", FORM);
    bodies.put("ssl_check=1", FORM);
    for (Map.Entry<String, String> body : bodies.entrySet()) {
      HttpResponse<String> sneaky =
          slack.http.send(
              HttpRequest.newBuilder(slack.endpoint())
                  .header("Content-Type", body.getValue())
                  .POST(HttpRequest.BodyPublishers.ofString(body.getKey()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      // Refused by Latchkey's own check, before Bolt parses anything.
      assertThat(sneaky.statusCode()).as(body.getKey()).isEqualTo(401);
      assertThat(sneaky.body()).as(body.getKey()).startsWith("Missing Slack signature headers");
    }
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.get(r.id()).approvals()).isEmpty();
    assertThat(slack.core.settings().enablement(Fixtures.PROD).enabled()).isTrue();
    // Slack's own check, token first or second, is still answered unsigned.
    for (String real : List.of("token=Zq4_x-9.k&ssl_check=1", "ssl_check=1&token=abc")) {
      HttpResponse<String> ok =
          slack.http.send(
              HttpRequest.newBuilder(slack.endpoint())
                  .header("Content-Type", FORM)
                  .POST(HttpRequest.BodyPublishers.ofString(real))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).as(real).isEqualTo(200);
    }
  }

  @Test
  void missingOrGarbledSignatureHeadersAreRefused() throws Exception {
    String body =
        slack.commandBody(Fixtures.ENGINEER, Fixtures.CHANNEL, "request prod readonly 1h unsigned");
    HttpResponse<String> unsigned =
        slack.http.send(
            HttpRequest.newBuilder(slack.endpoint())
                .header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> garbled =
        slack.http.send(
            HttpRequest.newBuilder(slack.endpoint())
                .header("Content-Type", FORM)
                .header("X-Slack-Request-Timestamp", "yesterday")
                .header("X-Slack-Signature", "v0=00")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(unsigned.statusCode()).isEqualTo(401);
    assertThat(unsigned.body()).contains("Missing Slack signature headers");
    assertThat(garbled.statusCode()).isEqualTo(401);
    assertNothingHappened();
  }

  @Test
  void bodiesOverOneMegabyteAreRefusedWith413() throws Exception {
    String huge = "payload=" + "a".repeat(1024 * 1024 + 10);
    HttpResponse<String> declared = slack.postSigned(huge, FORM, Map.of());
    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(declared.body()).contains("limit is 1 MB");

    // Streamed without a Content-Length (chunked): stopped while reading.
    byte[] bytes = huge.getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> streamed =
        slack.http.send(
            HttpRequest.newBuilder(slack.endpoint())
                .header("Content-Type", FORM)
                .header(
                    "X-Slack-Request-Timestamp", Long.toString(System.currentTimeMillis() / 1000))
                .header("X-Slack-Signature", "v0=00")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(streamed.statusCode()).isEqualTo(413);
    assertServerStillServes();
  }

  @Test
  void invalidUtf8IsRefusedWith400() throws Exception {
    byte[] body = {'p', 'a', 'y', 'l', 'o', 'a', 'd', '=', (byte) 0xC3, (byte) 0x28, (byte) 0xFF};
    HttpResponse<String> response =
        slack.http.send(
            HttpRequest.newBuilder(slack.endpoint())
                .header("Content-Type", FORM)
                .header(
                    "X-Slack-Request-Timestamp", Long.toString(System.currentTimeMillis() / 1000))
                .header("X-Slack-Signature", "v0=00")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).isEqualTo("Request body is not valid UTF-8.\n");
    assertNothingHappened();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"block_actions\",",
        "{\"type\":\"block_actions\",\"actions\":\"approve\"}",
        "{\"type\":\"block_actions\",\"user\":[1,2],\"actions\":[{\"action_id\":\"latchkey.approve\"}]}",
        "[1,2,3]",
        "\"just a string\"",
        "{\"type\":\"view_submission\"}"
      })
  void malformedPayloadJsonIsRefusedWith400(String payload) throws Exception {
    HttpResponse<String> response =
        slack.postSigned(SlackHarness.form(Map.of("payload", payload)), FORM, Map.of());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).doesNotContain("Exception", "\tat ").hasSizeLessThan(200);
    assertNothingHappened();
  }

  @Test
  void malformedEventJsonIsRefusedWith400() throws Exception {
    HttpResponse<String> broken =
        slack.postSigned("{\"type\":\"event_callback\",\"event\":", "application/json", Map.of());
    HttpResponse<String> noEvent =
        slack.postSigned("{\"type\":\"event_callback\"}", "application/json", Map.of());

    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(noEvent.statusCode()).isEqualTo(400);
    assertThat(noEvent.body()).contains("Malformed Slack payload");
    assertNothingHappened();
  }

  @Test
  void missingFieldsAndUnknownIdsAreRefusedClearly() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h target");
    String noUser =
        slack
            .clickPayload(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id().value())
            .replace("\"user\":{", "\"someone\":{");
    HttpResponse<String> missingUser =
        slack.postSigned(SlackHarness.form(Map.of("payload", noUser)), FORM, Map.of());
    String noId =
        slack
            .clickPayload(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id().value())
            .replace("\"id\":\"U0APPROVER1\",\"username\"", "\"id\":null,\"username\"");
    HttpResponse<String> missingId =
        slack.postSigned(SlackHarness.form(Map.of("payload", noId)), FORM, Map.of());
    String unknownAction =
        slack.clickPayload(Fixtures.APPROVER, "latchkey.self-destruct", r.id().value());
    HttpResponse<String> unknown =
        slack.postSigned(SlackHarness.form(Map.of("payload", unknownAction)), FORM, Map.of());
    String unknownCallback =
        "{\"type\":\"view_submission\",\"user\":{\"id\":\"U0ENGINEER\",\"team_id\":\"T0VENDOR\"},"
            + "\"view\":{\"id\":\"V1\",\"type\":\"modal\",\"callback_id\":\"something.else\",\"state\":{\"values\":{}}}}";
    HttpResponse<String> unknownView =
        slack.postSigned(SlackHarness.form(Map.of("payload", unknownCallback)), FORM, Map.of());
    HttpResponse<String> notACommand =
        slack.postSigned(
            SlackHarness.form(
                Map.of(
                    "command",
                    "/other",
                    "text",
                    "x",
                    "user_id",
                    "U0ENGINEER",
                    "team_id",
                    "T0VENDOR",
                    "channel_id",
                    "C0SHARED")),
            FORM,
            Map.of());

    assertThat(missingUser.statusCode()).isEqualTo(400);
    assertThat(missingUser.body()).contains("Malformed Slack payload");
    assertThat(missingId.statusCode()).isEqualTo(400);
    assertThat(missingId.body()).contains("lacks user.id");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("No handler for this Slack request");
    assertThat(unknownView.statusCode()).isEqualTo(404);
    assertThat(notACommand.statusCode()).isEqualTo(404);
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.get(r.id()).approvals()).isEmpty();
  }

  @Test
  void errorsNeverShowStackTraces() throws Exception {
    HttpServer server =
        new HttpServer(0)
            .addServlet(
                "/boom",
                new HttpServlet() {
                  private static final long serialVersionUID = 1L;

                  @Override
                  protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                    throw new IllegalStateException("secret detail from deep inside");
                  }
                })
            .start();
    try {
      HttpResponse<String> boom = get(server, "/boom");
      HttpResponse<String> missing = get(server, "/nowhere");
      HttpResponse<String> wrongMethod = get(slack.server, HttpServer.SLACK_EVENTS_PATH);

      assertThat(boom.statusCode()).isEqualTo(500);
      assertThat(boom.body()).isEqualTo("500 Server Error\n");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.body()).isEqualTo("404 Not Found\n");
      assertThat(wrongMethod.statusCode()).isEqualTo(405);
      for (HttpResponse<String> r : java.util.List.of(boom, missing, wrongMethod)) {
        assertThat(r.body()).doesNotContain("secret detail", "Exception", "\tat ", "<html");
      }
    } finally {
      server.stop();
    }
  }

  @Test
  void urlVerificationIsAnswered() throws Exception {
    HttpResponse<String> response =
        slack.postSigned(
            "{\"token\":\"x\",\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\","
                + "\"type\":\"url_verification\"}",
            "application/json",
            Map.of());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
  }

  private HttpResponse<String> get(HttpServer server, String path) throws Exception {
    return slack.http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void assertNothingHappened() throws Exception {
    assertThat(slack.listing.all()).isEmpty();
    assertThat(slack.memoryAudit.all())
        .allSatisfy(
            e -> assertThat(e.action()).isEqualTo(dev.latchkey.core.AuditAction.CLUSTER_ENABLED));
    assertThat(slack.wm.getAllServeEvents()).extracting(e -> e.getRequest().getUrl()).isEmpty();
    assertServerStillServes();
  }

  private void assertServerStillServes() throws Exception {
    HttpResponse<String> help = slack.command(Fixtures.ENGINEER, "help");
    assertThat(help.statusCode()).isEqualTo(200);
  }
}
