package dev.latchkey.bot.socket;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.latchkey.bot.Latchkey;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.k8s.ClusterConnections;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Latchkey in Socket Mode as {@code Main} starts it (the same Bolt app and handlers as HTTP mode),
 * against a WebSocket stand-in for Slack's Socket Mode endpoint that WireMock's {@code
 * apps.connections.open} points to: commands, clicks and thread replies acknowledged with their
 * envelope id within 3 s and acted on; a dropped connection reopened; a {@code disconnect} answered
 * with a new connection before the old one goes, nothing lost or done twice; a delivery repeated
 * acting once.
 */
@EnableKubernetesMockClient(crud = true)
class SocketModeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ClusterRef PROD = new ClusterRef(new CustomerId("acme"), "prod");
  private static final long ACK_MILLIS = 3000;

  static KubernetesClient client;

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.at("2026-03-02T09:00:00Z");
  private final WireMockServer slack =
      new WireMockServer(WireMockConfiguration.wireMockConfig().dynamicPort());
  private final AtomicInteger ids = new AtomicInteger();
  private SocketModeStandIn standIn;
  private long slowestAckMillis;
  private Latchkey latchkey;

  @BeforeEach
  void setUp() throws Exception {
    standIn = new SocketModeStandIn();
    slack.start();
    stubSlack();
    for (String role : List.of("latchkey-readonly", "latchkey-operator")) {
      client
          .rbac()
          .clusterRoles()
          .resource(
              new ClusterRoleBuilder()
                  .withNewMetadata()
                  .withName(role)
                  .endMetadata()
                  .addNewRule()
                  .withApiGroups("")
                  .withResources("pods")
                  .withVerbs("get", "list")
                  .endRule()
                  .build())
          .createOr(NonDeletingOperation::update);
    }
    latchkey = start();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (latchkey != null) {
      latchkey.close();
    }
    standIn.close();
    slack.stop();
    System.out.printf("slowest Socket Mode acknowledgement: %d ms%n", slowestAckMillis);
  }

  @Test
  void aCommandAClickAndAThreadReplyAreAcknowledgedAndActedOn() throws Exception {
    SocketModeStandIn.Link link = firstLink();
    assertThat(latchkey.port()).as("no Slack port of its own").isEqualTo(-1);
    await().until(() -> get("/readyz").statusCode() == 200);

    acknowledged(link, command("U0ADMIN", "enable prod"));
    await().until(() -> latchkey.core().settings().enablement(PROD).enabled());

    acknowledged(link, command("U0ENGINEER", "request prod readonly 1h INC-1 api pods"));
    AccessRequest first = await().until(() -> pending("INC-1"), r -> r != null);
    JsonNode clickAck = acknowledged(link, click("U0APPROVER1", first));
    assertThat(clickAck.has("payload"))
        .as("a click is answered by the card, not the ack")
        .isFalse();
    await().until(() -> state(first) == RequestState.ACTIVE);

    acknowledged(link, command("U0ENGINEER", "request prod readonly 1h INC-2 logs"));
    AccessRequest second = await().until(() -> pending("INC-2"), r -> r != null);
    CardStore.CardRef card =
        await()
            .until(
                () -> latchkey.database().cards().find(second.id()).orElse(null), c -> c != null);
    acknowledged(link, threadReply("U0APPROVER1", card.ts(), "deny"));
    await().until(() -> state(second) == RequestState.DENIED);
  }

  @Test
  void aDroppedConnectionIsReopenedAndServesOn() throws Exception {
    SocketModeStandIn.Link first = firstLink();
    acknowledged(first, command("U0ADMIN", "enable prod"));
    await().until(() -> latchkey.core().settings().enablement(PROD).enabled());

    first.drop();
    await().until(() -> standIn.links.size() == 2 && standIn.link(1).open());
    slack.verify(2, postRequestedFor(urlPathMatching("/api/apps.connections.open")));
    await().until(() -> latchkey.socketMode().orElseThrow().connected());

    acknowledged(standIn.link(1), command("U0ENGINEER", "request prod readonly 1h INC-3 pods"));
    await().until(() -> pending("INC-3") != null);
  }

  @Test
  void aDisconnectOpensANewConnectionBeforeTheOldOneGoesAndLosesNothing() throws Exception {
    SocketModeStandIn.Link old = firstLink();
    acknowledged(old, command("U0ADMIN", "enable prod"));
    await().until(() -> latchkey.core().settings().enablement(PROD).enabled());

    standIn.holdHello = true;
    old.send("{\"type\":\"disconnect\",\"reason\":\"refresh_requested\",\"debug_info\":{}}");
    await().until(() -> standIn.links.size() == 2 && standIn.link(1).open());
    SocketModeStandIn.Link fresh = standIn.link(1);
    assertThat(old.open()).as("the old connection stays until the new one is greeted").isTrue();
    assertThat(latchkey.socketMode().orElseThrow().openConnections()).isEqualTo(2);

    // Still delivered on the old one meanwhile: answered there, acted on.
    acknowledged(old, command("U0ENGINEER", "request prod readonly 1h INC-OLD pods"));
    await().until(() -> pending("INC-OLD") != null);

    fresh.greet();
    await().until(() -> !old.open());
    acknowledged(fresh, command("U0ENGINEER", "request prod readonly 1h INC-NEW pods"));
    await().until(() -> pending("INC-NEW") != null);
    assertThat(requestsWith("INC-OLD")).hasSize(1);
    assertThat(requestsWith("INC-NEW")).hasSize(1);
    assertThat(standIn.links).as("no third connection").hasSize(2);
  }

  @Test
  void theSameEnvelopeDeliveredTwiceActsOnce() throws Exception {
    SocketModeStandIn.Link link = firstLink();
    acknowledged(link, command("U0ADMIN", "enable prod"));
    await().until(() -> latchkey.core().settings().enablement(PROD).enabled());

    ObjectNode envelope = command("U0ENGINEER", "request prod readonly 1h INC-TWICE pods");
    acknowledged(link, envelope);
    await().until(() -> pending("INC-TWICE") != null);
    envelope.put("retry_attempt", 1).put("retry_reason", "timeout");
    acknowledged(link, envelope);
    // And once more on another connection, as after a reconnect.
    link.drop();
    await().until(() -> standIn.links.size() == 2 && standIn.link(1).open());
    acknowledged(standIn.link(1), envelope);

    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> requestsWith("INC-TWICE").size() == 1);
  }

  // ---------------------------------------------------------------- envelopes

  /** Sends {@code envelope} and returns Latchkey's acknowledgement, which must come within 3 s. */
  private JsonNode acknowledged(SocketModeStandIn.Link link, ObjectNode envelope) throws Exception {
    String id = envelope.path("envelope_id").asText();
    long sent = System.nanoTime();
    link.send(envelope.toString());
    while (true) {
      long left = ACK_MILLIS - (System.nanoTime() - sent) / 1_000_000;
      String message = left > 0 ? link.next(left) : null;
      assertThat(message).as("acknowledgement of %s within 3 s", id).isNotNull();
      JsonNode ack = JSON.readTree(message);
      if (ack.path("envelope_id").asText().equals(id)) {
        slowestAckMillis = Math.max(slowestAckMillis, (System.nanoTime() - sent) / 1_000_000);
        return ack;
      }
    }
  }

  private ObjectNode command(String user, String text) {
    ObjectNode payload = JSON.createObjectNode();
    payload.put("token", "legacy");
    payload.put("team_id", "T0CUSTOMER");
    payload.put("team_domain", "acme");
    payload.put("channel_id", "C0SHARED");
    payload.put("channel_name", "support");
    payload.put("user_id", user);
    payload.put("user_name", user);
    payload.put("command", "/access");
    payload.put("text", text);
    payload.put("api_app_id", "A0LK");
    payload.put("response_url", slack.baseUrl() + "/response/c");
    payload.put("trigger_id", "1.2." + ids.incrementAndGet());
    return envelope("slash_commands", payload);
  }

  private ObjectNode click(String user, AccessRequest request) {
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "block_actions");
    p.putObject("user").put("id", user).put("team_id", "T0CUSTOMER").put("username", user);
    p.putObject("team").put("id", "T0CUSTOMER");
    p.putObject("channel").put("id", "C0SHARED");
    p.putObject("container")
        .put("type", "message")
        .put("channel_id", "C0SHARED")
        .put("message_ts", "1772442000.000100");
    p.put("api_app_id", "A0LK");
    p.put("trigger_id", "1.3." + ids.incrementAndGet());
    p.put("response_url", slack.baseUrl() + "/response/a");
    p.putArray("actions")
        .addObject()
        .put("action_id", "latchkey.approve")
        .put("type", "button")
        .put("value", request.id().value())
        .put("block_id", "b")
        .put("action_ts", "1772442010.1");
    return envelope("interactive", p);
  }

  private ObjectNode threadReply(String user, String threadTs, String text) {
    String ts = (clock.instant().getEpochSecond() + 1) + ".000200";
    ObjectNode e = JSON.createObjectNode();
    e.put("token", "legacy");
    e.put("team_id", "T0CUSTOMER");
    e.put("api_app_id", "A0LK");
    ObjectNode event = e.putObject("event");
    event.put("type", "message");
    event.put("channel", "C0SHARED");
    event.put("user", user);
    event.put("text", text);
    event.put("ts", ts);
    event.put("thread_ts", threadTs);
    event.put("parent_user_id", "U0LATCHKEY");
    event.put("team", "T0CUSTOMER");
    event.put("event_ts", ts);
    event.put("channel_type", "channel");
    e.put("type", "event_callback");
    e.put("event_id", "Ev" + ids.incrementAndGet());
    e.put("event_time", clock.instant().getEpochSecond());
    return envelope("events_api", e);
  }

  private ObjectNode envelope(String type, ObjectNode payload) {
    ObjectNode envelope = JSON.createObjectNode();
    envelope.put("envelope_id", "env-" + ids.incrementAndGet());
    envelope.put("type", type);
    envelope.put("accepts_response_payload", !type.equals("events_api"));
    envelope.set("payload", payload);
    return envelope;
  }

  // ---------------------------------------------------------------- wiring

  private SocketModeStandIn.Link firstLink() {
    await().until(() -> !standIn.links.isEmpty() && standIn.link(0).open());
    await().until(() -> latchkey.socketMode().orElseThrow().connected());
    return standIn.link(0);
  }

  private Latchkey start() throws Exception {
    String yaml =
        """
        database:
          url: jdbc:h2:file:%s
        customers:
          - id: acme
            slack:
              teamId: T0CUSTOMER
              channel: C0SHARED
              approvers: { users: [U0APPROVER1] }
              admins: [U0ADMIN]
            clusters:
              - name: prod
                kubeconfig: /not/read/by/this/test
                supportServer: https://support.vendor.example:6443
        """
            .formatted(dir.resolve("latchkey"));
    LatchkeyConfig config = ConfigLoader.parse(yaml, "latchkey.yml");
    Settings settings =
        Settings.from(
            Map.of(
                "SLACK_BOT_TOKEN", "xoxb-socket-mode-test",
                "SLACK_APP_TOKEN", "xapp-1-A0LK-socket-mode-test",
                "SLACK_API_URL", slack.baseUrl() + "/api/",
                "MANAGEMENT_PORT", "0"));
    assertThat(settings.socketMode()).isTrue();
    return Latchkey.start(
        settings,
        config,
        clock,
        c -> ClusterConnections.of(client.getConfiguration(), c.supportServer()));
  }

  private AccessRequest pending(String reasonPart) {
    return requestsWith(reasonPart).stream().findFirst().orElse(null);
  }

  private List<AccessRequest> requestsWith(String reasonPart) {
    return latchkey.database().requests().findOpen(new CustomerId("acme")).stream()
        .filter(r -> r.reason().contains(reasonPart))
        .toList();
  }

  private RequestState state(AccessRequest request) {
    return latchkey.database().requests().find(request.id()).orElseThrow().state();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + latchkey.managementPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private void stubSlack() {
    slack.stubFor(
        post("/api/apps.connections.open")
            .willReturn(okJson("{\"ok\":true,\"url\":\"" + standIn.url() + "\"}")));
    slack.stubFor(
        post("/api/auth.test")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"team_id\":\"T0CUSTOMER\",\"user_id\":\"U0LATCHKEY\","
                        + "\"bot_id\":\"B0LATCHKEY\",\"url\":\"https://acme.slack.com/\"}")));
    slack.stubFor(
        post("/api/chat.postMessage")
            .willReturn(
                okJson(
                        "{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1772442000.{{randomValue"
                            + " length=6 type='NUMERIC'}}\"}")
                    .withTransformers("response-template")));
    slack.stubFor(
        post(urlPathMatching("/api/(chat.update|chat.postEphemeral)"))
            .willReturn(okJson("{\"ok\":true,\"ts\":\"1772442000.000100\"}")));
    slack.stubFor(
        post("/api/users.info")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"user\":{\"id\":\"U0ENGINEER\",\"team_id\":\"T0VENDOR\","
                        + "\"profile\":{\"email\":\"alice@vendor.example\"}}}")));
    slack.stubFor(
        post("/api/users.info")
            .withFormParam("user", matching("U0(APPROVER|ADMIN).*"))
            .willReturn(
                okJson(
                    "{\"ok\":true,\"user\":{\"id\":\"U0APPROVER1\",\"team_id\":\"T0CUSTOMER\"}}")));
    slack.stubFor(
        post("/api/conversations.open")
            .willReturn(okJson("{\"ok\":true,\"channel\":{\"id\":\"D0ALICE\"}}")));
    slack.stubFor(
        post(urlPathMatching("/api/conversations.(history|replies)"))
            .willReturn(okJson("{\"ok\":true,\"messages\":[]}")));
    slack.stubFor(
        post("/api/usergroups.users.list").willReturn(okJson("{\"ok\":true,\"users\":[]}")));
    slack.stubFor(
        post(urlPathMatching("/response/.*"))
            .willReturn(aResponse().withStatus(200).withBody("ok")));
  }
}
