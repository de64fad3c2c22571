package dev.latchkey.bot.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.slack.api.app_backend.SlackSignature;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Slack for the fault suite, on both sides of Latchkey: WireMock plays the Web API and the
 * response_url addresses (recording what Latchkey sent), and requests to Latchkey's {@code
 * /slack/events} are built and signed the way Slack builds and signs them (HMAC v0 over {@code
 * v0:timestamp:body}).
 */
final class FakeSlack implements AutoCloseable {
  static final String BOT_TOKEN = "xoxb-5150-faults-bot-token";
  static final String SIGNING_SECRET = "faults0signing0secret0f00dcafe42";
  static final String FORM = "application/x-www-form-urlencoded";

  static final String CUSTOMER_TEAM = "T0CUSTOMER";
  static final String VENDOR_TEAM = "T0VENDOR";
  static final String CHANNEL = "C0SHARED";
  static final String ENGINEER = "U0ENGINEER";
  static final String ADMIN = "U0ADMIN";

  private static final ObjectMapper JSON = new ObjectMapper();

  final WireMockServer wm;
  final HttpClient http;
  private final AtomicInteger sequence = new AtomicInteger();

  FakeSlack() {
    wm =
        new WireMockServer(
            WireMockConfiguration.wireMockConfig().dynamicPort().containerThreads(40));
    wm.start();
    stub();
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  private void stub() {
    wm.stubFor(
        post("/api/auth.test")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"url\":\"https://acme.slack.com/\","
                        + "\"team\":\"Acme\",\"user\":\"latchkey\",\"team_id\":\"T0CUSTOMER\",\"user_id\":\"U0LATCHKEY\","
                        + "\"bot_id\":\"B0LATCHKEY\"}")));
    // Every card gets a ts of its own, as in Slack.
    wm.stubFor(
        post("/api/chat.postMessage")
            .willReturn(
                okJson(
                        "{\"ok\":true,\"channel\":\"C0SHARED\",\"ts\":\"1772442000.{{randomValue"
                            + " length=6 type='NUMERIC'}}\"}")
                    .withTransformers("response-template")));
    wm.stubFor(post("/api/chat.update").willReturn(okJson("{\"ok\":true}")));
    wm.stubFor(
        post("/api/chat.postEphemeral").willReturn(okJson("{\"ok\":true,\"message_ts\":\"1.2\"}")));
    // users.info: the customer's people (approvers, admins, bystanders) in T0CUSTOMER, everyone
    // else in T0VENDOR.
    wm.stubFor(
        post("/api/users.info")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"user\":{\"id\":\"U0ENGINEER\","
                        + "\"team_id\":\"T0VENDOR\",\"profile\":{\"email\":\"alice@vendor.example\"}}}")));
    wm.stubFor(
        post("/api/users.info")
            .withFormParam("user", matching("U0(APPROVER|BYSTANDER|ADMIN).*"))
            .willReturn(
                okJson(
                    "{\"ok\":true,\"user\":{\"id\":\"U0CUSTOMER\",\"team_id\":\"T0CUSTOMER\","
                        + "\"profile\":{\"email\":\"someone@customer.example\"}}}")));
    wm.stubFor(post("/api/usergroups.users.list").willReturn(okJson("{\"ok\":true,\"users\":[]}")));
    wm.stubFor(
        post("/api/conversations.open")
            .willReturn(okJson("{\"ok\":true,\"channel\":{\"id\":\"D0ENGINEER\"}}")));
    wm.stubFor(
        post("/api/chat.getPermalink")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"channel\":\"C0SHARED\",\"permalink\":\"https://acme.slack.com/archives/C0SHARED/p1\"}")));
    wm.stubFor(
        post("/api/conversations.history").willReturn(okJson("{\"ok\":true,\"messages\":[]}")));
    wm.stubFor(
        post("/api/conversations.replies").willReturn(okJson("{\"ok\":true,\"messages\":[]}")));
    wm.stubFor(
        post("/api/views.open").willReturn(okJson("{\"ok\":true,\"view\":{\"id\":\"V0FORM\"}}")));
    wm.stubFor(
        post(urlPathMatching("/response/.*"))
            .willReturn(aResponse().withStatus(200).withBody("ok")));
  }

  /** The Web API base URL Latchkey is given (SLACK_API_URL). */
  String apiUrl() {
    return wm.baseUrl() + "/api/";
  }

  /**
   * A response_url of this fake Slack; what Latchkey posts there is read with {@link #responsesTo}.
   */
  String responseUrl(String name) {
    return wm.baseUrl() + "/response/" + name;
  }

  int next() {
    return sequence.incrementAndGet();
  }

  // ---------------------------------------------------------------- building requests

  /**
   * The form Slack posts for {@code /access <text>}; trigger_id unique, answers go to
   * responseUrl(name).
   */
  String commandBody(String team, String user, String text, String responseName) {
    int n = next();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("token", "legacy-verification-token");
    form.put("team_id", team);
    form.put("team_domain", "shared");
    form.put("channel_id", CHANNEL);
    form.put("channel_name", "acme-support");
    form.put("user_id", user);
    form.put("user_name", user.toLowerCase(java.util.Locale.ROOT));
    form.put("command", "/access");
    form.put("text", text);
    form.put("api_app_id", "A0LATCHKEY");
    form.put("is_enterprise_install", "false");
    form.put("response_url", responseUrl(responseName));
    form.put("trigger_id", "13345224609.738474920.faults" + n);
    return form(form);
  }

  /**
   * A block_actions payload as Slack sends it for a card button: the installing workspace is
   * T0CUSTOMER for everyone, the clicker's own workspace is {@code user.team_id}.
   */
  ObjectNode clickPayload(String team, String user, String actionId, String value) {
    int n = next();
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "block_actions");
    ObjectNode u = p.putObject("user");
    u.put("id", user);
    u.put("username", user.toLowerCase(java.util.Locale.ROOT));
    u.put("name", user.toLowerCase(java.util.Locale.ROOT));
    u.put("team_id", team);
    p.put("api_app_id", "A0LATCHKEY");
    p.put("token", "legacy-verification-token");
    ObjectNode container = p.putObject("container");
    container.put("type", "message");
    container.put("message_ts", "1772442000.000100");
    container.put("channel_id", CHANNEL);
    container.put("is_ephemeral", false);
    p.put("trigger_id", "13345224609.738474920.click" + n);
    ObjectNode installed = p.putObject("team");
    installed.put("id", CUSTOMER_TEAM);
    installed.put("domain", "acme");
    p.putNull("enterprise");
    p.put("is_enterprise_install", false);
    ObjectNode channel = p.putObject("channel");
    channel.put("id", CHANNEL);
    channel.put("name", "acme-support");
    ObjectNode message = p.putObject("message");
    message.put("type", "message");
    message.put("ts", "1772442000.000100");
    message.put("text", "Access request");
    p.put("response_url", responseUrl("action-" + n));
    ObjectNode action = p.putArray("actions").addObject();
    action.put("action_id", actionId);
    action.put("block_id", "latchkey.card");
    action.putObject("text").put("type", "plain_text").put("text", "Button");
    action.put("value", value);
    action.put("type", "button");
    action.put("action_ts", "1772442010.1234" + n);
    return p;
  }

  static String payloadForm(String payloadJson) {
    return form(Map.of("payload", payloadJson));
  }

  static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  // ---------------------------------------------------------------- sending

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  static String signature(String secret, long timestamp, byte[] body) {
    return new SlackSignature.Generator(secret)
        .generate(Long.toString(timestamp), new String(body, StandardCharsets.UTF_8));
  }

  /** A request to {@code endpoint} signed now with the right secret. */
  HttpRequest signed(URI endpoint, String body, String contentType) {
    long ts = now();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return HttpRequest.newBuilder(endpoint)
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", contentType)
        .header(SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP, Long.toString(ts))
        .header(SlackSignature.HeaderNames.X_SLACK_SIGNATURE, signature(SIGNING_SECRET, ts, bytes))
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
        .build();
  }

  HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // ---------------------------------------------------------------- what Latchkey sent to Slack

  /** The form fields of every call to a Web API method, oldest first. */
  List<Map<String, String>> calls(String method) {
    List<Map<String, String>> out = new ArrayList<>();
    for (LoggedRequest r : wm.findAll(postRequestedFor(urlEqualTo("/api/" + method)))) {
      out.add(decodeForm(r.getBodyAsString()));
    }
    return out;
  }

  /** The JSON bodies posted to responseUrl(name), oldest first. */
  List<JsonNode> responsesTo(String name) {
    List<JsonNode> out = new ArrayList<>();
    for (LoggedRequest r : wm.findAll(postRequestedFor(urlEqualTo("/response/" + name)))) {
      out.add(json(r.getBodyAsString()));
    }
    return out;
  }

  /** Ephemeral texts sent to one user. */
  List<String> ephemeralsTo(String user) {
    return calls("chat.postEphemeral").stream()
        .filter(c -> user.equals(c.get("user")))
        .map(c -> c.get("text"))
        .toList();
  }

  static Map<String, String> decodeForm(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    if (body == null || body.isEmpty()) {
      return out;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.putIfAbsent(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return out;
  }

  static JsonNode json(String text) {
    try {
      return text == null || text.isBlank() ? MissingNode.getInstance() : JSON.readTree(text);
    } catch (IOException e) {
      return MissingNode.getInstance();
    }
  }

  /** Every text a card or message shows: the fallback text plus every text field of its blocks. */
  static String shownText(Map<String, String> call) {
    StringBuilder out = new StringBuilder(Optional.ofNullable(call.get("text")).orElse(""));
    collectTexts(json(call.get("blocks")), out);
    return out.toString();
  }

  static void collectTexts(JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("text") && e.getValue().isTextual()) {
                  out.append('\n').append(e.getValue().asText());
                } else {
                  collectTexts(e.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(child -> collectTexts(child, out));
    }
  }

  /**
   * Waits for something Latchkey does after its acknowledgement: polled every 10 ms, for up to 10
   * s.
   */
  static ConditionFactory soon() {
    return soon(Duration.ofSeconds(10));
  }

  static ConditionFactory soon(Duration atMost) {
    return Awaitility.await()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .atMost(atMost);
  }

  @Override
  public void close() {
    wm.stop();
  }
}
