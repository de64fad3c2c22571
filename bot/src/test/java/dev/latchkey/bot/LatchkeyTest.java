package dev.latchkey.bot;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.slack.api.app_backend.SlackSignature;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.k8s.ClusterConnections;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Latchkey as {@link Main} starts it — real Jetty, Bolt, H2 file, timers — with WireMock as Slack
 * and fabric8's mock API server as the cluster: a whole request's life, a restart after its end
 * passed while stopped (removed before Slack is served), health and metrics, and no secret anywhere
 * in what it printed.
 */
@EnableKubernetesMockClient(crud = true)
class LatchkeyTest {
  private static final String BOT_TOKEN = "xoxb-4242-e2e-bot-token";
  private static final String SIGNING_SECRET = "e2e0signing0secret0abcdef123456";
  private static final String MINTED_TOKEN = "eyJhbGciOiJSUzI1NiJ9.e2e-minted-token.c2lnbmF0dXJl";
  private static final ObjectMapper JSON = new ObjectMapper();

  static KubernetesMockServer server;
  static KubernetesClient client;

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.at("2026-03-02T09:00:00Z");
  private final WireMockServer slack =
      new WireMockServer(WireMockConfiguration.wireMockConfig().dynamicPort());
  private final HttpClient http = HttpClient.newHttpClient();
  private final java.util.concurrent.atomic.AtomicInteger triggers =
      new java.util.concurrent.atomic.AtomicInteger();
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private Latchkey latchkey;

  @BeforeEach
  void setUp() {
    originalOut = System.out;
    System.setOut(new PrintStream(new Tee(originalOut, printed), true, StandardCharsets.UTF_8));
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
          .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }
  }

  @AfterEach
  void tearDown() {
    if (latchkey != null) {
      latchkey.close();
    }
    slack.stop();
    System.setOut(originalOut);
  }

  @Test
  void aRequestsWholeLifeAcrossARestartLeavesNothingAndPrintsNoSecret() throws Exception {
    latchkey = start();
    assertThat(manage("/healthz").statusCode()).isEqualTo(200);
    assertThat(manage("/readyz").statusCode()).isEqualTo(200);
    // Health and metrics are on the management port only; the Slack port does not serve them.
    for (String path : List.of("/healthz", "/readyz", "/metrics")) {
      assertThat(get(path).statusCode()).as("Slack port " + path).isEqualTo(404);
    }
    assertThat(
            http.send(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://localhost:" + latchkey.managementPort() + "/slack/events"))
                        .POST(HttpRequest.BodyPublishers.ofString("token=x"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .as("management port /slack/events: nothing of Slack's is served there")
        .isBetween(404, 405);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Latchkey ready");

    assertThat(command("T0CUSTOMER", "U0ADMIN", "enable prod").statusCode()).isEqualTo(200);
    await().until(() -> latchkey.core().settings().enablement(PROD_REF).enabled());
    assertThat(
            command("T0VENDOR", "U0ENGINEER", "request prod readonly 1h INC-77 <!channel> api pods")
                .statusCode())
        .isEqualTo(200);
    AccessRequest pending = await().until(this::onlyRequest, Optional::isPresent).orElseThrow();
    await()
        .untilAsserted(
            () -> slack.verify(postRequestedFor(urlPathMatching("/api/chat.postMessage"))));

    assertThat(click("T0CUSTOMER", "U0APPROVER1", pending).statusCode()).isEqualTo(200);
    await().until(() -> state(pending) == RequestState.ACTIVE);
    String binding = "latchkey-" + pending.id();
    assertThat(client.rbac().clusterRoleBindings().withName(binding).get()).isNotNull();
    assertThat(
            client
                .serviceAccounts()
                .inNamespace("latchkey-grants")
                .withName(pending.id().value())
                .get())
        .isNotNull();

    stubTokenRequest(pending);
    assertThat(command("T0VENDOR", "U0ENGINEER", "kubeconfig " + pending.id()).statusCode())
        .isEqualTo(200);
    await()
        .untilAsserted(
            () -> assertThat(slackBodies()).anyMatch(body -> body.contains(MINTED_TOKEN)));

    // The request form cannot be opened: this fake Slack has no views.open, so it answers 404.
    assertThat(command("T0VENDOR", "U0ENGINEER", "request").statusCode()).isEqualTo(200);
    await()
        .untilAsserted(
            () ->
                assertThat(manage("/metrics").body())
                    .contains(
                        "latchkey_slack_errors_total{error=\"http_404\",method=\"views.open\"}"
                            + " 1.0"));
    String metrics = manage("/metrics").body();
    assertThat(metrics)
        .contains("latchkey_requests{state=\"active\"} 1.0")
        .contains("latchkey_decisions_total{decision=\"approve\",method=\"button\"} 1.0")
        .contains("latchkey_grant_seconds");

    latchkey.close();
    latchkey = null;
    clock.advance(Duration.ofHours(2)); // the window ends while Latchkey is stopped

    latchkey = start(); // returns once it serves: by then the end must have been handled
    assertThat(state(pending)).isEqualTo(RequestState.EXPIRED);
    assertThat(client.rbac().clusterRoleBindings().withName(binding).get()).isNull();
    assertThat(
            client
                .serviceAccounts()
                .inNamespace("latchkey-grants")
                .withName(pending.id().value())
                .get())
        .isNull();
    assertThat(latchkey.database().audit().verify()).isInstanceOf(AuditLog.ChainCheck.Intact.class);
    assertThat(latchkey.database().audit().forRequest(pending.id()))
        .extracting(e -> e.event().action().eventName())
        .contains(
            "request.submitted",
            "request.approved",
            "grant.created",
            "credential.issued",
            "request.expired",
            "grant.removed");

    String output = printed.toString(StandardCharsets.UTF_8);
    assertThat(output).as("audit events and logs were printed").contains("\"request.expired\"");
    assertThat(output)
        .as("log lines about the request carry its id")
        .containsPattern(
            "\\{[^\\n]*\"message\":\"granted "
                + pending.id()
                + "[^\\n]*\"request_id\":\""
                + pending.id()
                + "\"");
    assertThat(output)
        .doesNotContain(BOT_TOKEN)
        .doesNotContain(SIGNING_SECRET)
        .doesNotContain(MINTED_TOKEN);
  }

  @Test
  void slackIsServedOnlyOnceWhatFellDueWhileStoppedIsHandled() throws Exception {
    latchkey = start();
    command("T0CUSTOMER", "U0ADMIN", "enable prod");
    await().until(() -> latchkey.core().settings().enablement(PROD_REF).enabled());
    command("T0VENDOR", "U0ENGINEER", "request prod readonly 1h INC-78 pods");
    AccessRequest active = await().until(this::onlyRequest, Optional::isPresent).orElseThrow();
    click("T0CUSTOMER", "U0APPROVER1", active);
    await().until(() -> state(active) == RequestState.ACTIVE);
    command("T0VENDOR", "U0ENGINEER", "request prod readonly 1h INC-79 more pods");
    await()
        .until(() -> latchkey.database().requests().findOpen(new CustomerId("acme")).size() == 2);
    int port = latchkey.port();
    int managementPort = latchkey.managementPort();
    latchkey.close();
    latchkey = null;
    clock.advance(
        Duration.ofHours(1).plusMinutes(1)); // the grant's window ends while Latchkey is stopped
    // Reading the pending card's thread (written decisions) is slow this time: the start is caught
    // in the act.
    slack.stubFor(
        post("/api/conversations.replies")
            .willReturn(okJson("{\"ok\":true,\"messages\":[]}").withFixedDelay(3000)));

    printed.reset(); // what the second start prints
    // Its own thread: the common pool is small on a small machine, and the HTTP clients complete on
    // it.
    var starter = java.util.concurrent.Executors.newSingleThreadExecutor();
    var starting =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return start(port, managementPort);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            starter);
    starter.shutdown();
    URI base = URI.create("http://localhost:" + port);
    URI management = URI.create("http://localhost:" + managementPort);
    await().ignoreExceptions().until(() -> get(management, "/healthz").statusCode() == 200);
    assertThat(starting).isNotDone();
    assertThat(get(management, "/readyz").statusCode()).isEqualTo(503);
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .as("not ready, so not said to be")
        .doesNotContain("Latchkey ready");
    assertThat(command(base, "T0VENDOR", "U0ENGINEER", "list").statusCode()).isEqualTo(503);

    latchkey = starting.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(state(active)).isEqualTo(RequestState.EXPIRED);
    assertThat(client.rbac().clusterRoleBindings().withName("latchkey-" + active.id()).get())
        .isNull();
    assertThat(manage("/readyz").statusCode()).isEqualTo(200);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Latchkey ready");
    assertThat(command("T0VENDOR", "U0ENGINEER", "list").statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- wiring

  private static final dev.latchkey.core.ClusterRef PROD_REF =
      new dev.latchkey.core.ClusterRef(new CustomerId("acme"), "prod");

  private Latchkey start() throws Exception {
    return start(0, 0);
  }

  private Latchkey start(int port, int managementPort) throws Exception {
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
                "SLACK_BOT_TOKEN",
                BOT_TOKEN,
                "SLACK_SIGNING_SECRET",
                SIGNING_SECRET,
                "SLACK_API_URL",
                slack.baseUrl() + "/api/",
                "PORT",
                Integer.toString(port),
                "MANAGEMENT_PORT",
                Integer.toString(managementPort)));
    return Latchkey.start(
        settings,
        config,
        clock,
        c -> ClusterConnections.of(client.getConfiguration(), c.supportServer()));
  }

  private Optional<AccessRequest> onlyRequest() {
    return latchkey.database().requests().findOpen(new CustomerId("acme")).stream().findFirst();
  }

  private RequestState state(AccessRequest request) {
    return latchkey.database().requests().find(request.id()).orElseThrow().state();
  }

  private void stubSlack() {
    slack.stubFor(
        post("/api/auth.test")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"team_id\":\"T0CUSTOMER\","
                        + "\"user_id\":\"U0LATCHKEY\",\"bot_id\":\"B0LATCHKEY\",\"url\":\"https://acme.slack.com/\"}")));
    // A new ts for every message, as Slack gives: cards are told apart by it.
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
                    "{\"ok\":true,\"user\":{\"id\":\"U0ENGINEER\","
                        + "\"team_id\":\"T0VENDOR\",\"profile\":{\"email\":\"alice@vendor.example\"}}}")));
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
        post("/api/conversations.history").willReturn(okJson("{\"ok\":true,\"messages\":[]}")));
    slack.stubFor(
        post("/api/conversations.replies").willReturn(okJson("{\"ok\":true,\"messages\":[]}")));
    slack.stubFor(
        post("/api/usergroups.users.list").willReturn(okJson("{\"ok\":true,\"users\":[]}")));
    slack.stubFor(
        post(urlPathMatching("/response/.*"))
            .willReturn(aResponse().withStatus(200).withBody("ok")));
  }

  private void stubTokenRequest(AccessRequest request) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/latchkey-grants/serviceaccounts/" + request.id() + "/token")
        .andReply(
            201,
            r -> {
              TokenRequest sent = serialization.unmarshal(r.getUtf8Body(), TokenRequest.class);
              return new TokenRequestBuilder(sent)
                  .withNewStatus()
                  .withToken(MINTED_TOKEN)
                  .withExpirationTimestamp(clock.instant().plus(Duration.ofHours(1)).toString())
                  .endStatus()
                  .build();
            })
        .once();
  }

  private List<String> slackBodies() {
    return slack.getAllServeEvents().stream().map(e -> e.getRequest().getBodyAsString()).toList();
  }

  // ---------------------------------------------------------------- Slack requests, signed

  private HttpResponse<String> command(String team, String user, String text) throws Exception {
    return command(uri(""), team, user, text);
  }

  private HttpResponse<String> command(URI base, String team, String user, String text)
      throws Exception {
    return postSigned(
        base,
        form(
            Map.of(
                "team_id",
                team,
                "user_id",
                user,
                "channel_id",
                "C0SHARED",
                "command",
                "/access",
                "text",
                text,
                "response_url",
                slack.baseUrl() + "/response/c",
                "trigger_id",
                "1.2." + triggers.incrementAndGet())));
  }

  private HttpResponse<String> click(String team, String user, AccessRequest request)
      throws Exception {
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "block_actions");
    p.putObject("user").put("id", user).put("team_id", team).put("username", user);
    p.putObject("team").put("id", "T0CUSTOMER");
    p.putObject("channel").put("id", "C0SHARED");
    p.putObject("container")
        .put("type", "message")
        .put("channel_id", "C0SHARED")
        .put("message_ts", "1772442000.000100");
    p.put("trigger_id", "1.2." + triggers.incrementAndGet());
    p.put("response_url", slack.baseUrl() + "/response/a");
    p.putArray("actions")
        .addObject()
        .put("action_id", "latchkey.approve")
        .put("type", "button")
        .put("value", request.id().value())
        .put("block_id", "b")
        .put("action_ts", "1772442010.1");
    return postSigned(form(Map.of("payload", p.toString())));
  }

  private HttpResponse<String> postSigned(String body) throws Exception {
    return postSigned(uri(""), body);
  }

  private HttpResponse<String> postSigned(URI base, String body) throws Exception {
    String ts = Long.toString(System.currentTimeMillis() / 1000);
    String signature = new SlackSignature.Generator(SIGNING_SECRET).generate(ts, body);
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/slack/events"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Slack-Request-Timestamp", ts)
            .header("X-Slack-Signature", signature)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return get(uri(""), path);
  }

  private HttpResponse<String> manage(String path) throws Exception {
    return get(URI.create("http://localhost:" + latchkey.managementPort()), path);
  }

  private HttpResponse<String> get(URI base, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + latchkey.port() + path);
  }

  private static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  /** Writes to the real stdout and keeps a copy. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
