package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.slack.api.app_backend.SlackSignature;
import dev.latchkey.bot.http.HttpServer;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.EnablementStore;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.testing.FakeClusterAccess;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.InMemoryAuditLog;
import dev.latchkey.core.testing.InMemoryEnablementStore;
import dev.latchkey.core.testing.InMemoryRequestStore;
import dev.latchkey.core.testing.InMemorySessionStore;
import dev.latchkey.core.testing.MutableClock;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A real Latchkey Slack surface on Jetty (random port) with WireMock playing Slack's Web API, the
 * core on in-memory fakes (or given stores), and helpers that send correctly signed requests shaped
 * like Slack's own.
 */
final class SlackHarness implements AutoCloseable {
  static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  static final String TOKEN = "xoxb-1111-2222-test";
  static final String DM_CHANNEL = "D0REQUESTER";
  static final ObjectMapper JSON = new ObjectMapper();

  static {
    // Keep test output readable (the Slack SDK and Jetty are chatty at DEBUG).
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.INFO);
    org.awaitility.Awaitility.setDefaultPollDelay(Duration.ZERO);
    org.awaitility.Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    org.awaitility.Awaitility.setDefaultTimeout(Duration.ofSeconds(5));
  }

  /** One fake Slack for the whole test run (tests run one at a time); reset by every harness. */
  private static WireMockServer shared;

  static synchronized WireMockServer wireMock() {
    if (shared == null) {
      shared =
          new WireMockServer(
              WireMockConfiguration.wireMockConfig().dynamicPort().containerThreads(20));
      shared.start();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
    }
    return shared;
  }

  final WireMockServer wm = wireMock();
  final MutableClock clock;
  final InMemoryAuditLog memoryAudit = new InMemoryAuditLog();
  final InMemoryRequestStore memoryRequests = new InMemoryRequestStore(memoryAudit);
  final ListingRequestStore listing = new ListingRequestStore(memoryRequests);
  final InMemorySessionStore sessions = new InMemorySessionStore(memoryAudit);
  final FakeClusterAccess cluster = new FakeClusterAccess();
  final RequestStore requests;
  final AuditLog audit;
  final EnablementStore enablements;
  final CardStore cards;
  final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
  final ExecutorService executor = Executors.newFixedThreadPool(4);
  final SlackSettings settings;
  final SlackSurface surface;
  final UseCases core;
  final HttpServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicInteger seq = new AtomicInteger();

  SlackHarness() throws Exception {
    this(Fixtures.customers(), start(), null, null, null, null);
  }

  SlackHarness(Customers customers) throws Exception {
    this(customers, start(), null, null, null, null);
  }

  static MutableClock start() {
    return MutableClock.at("2026-03-02T09:00:00Z");
  }

  /** Given stores (e.g. a real database) replace the in-memory ones. */
  SlackHarness(
      Customers customers,
      MutableClock clock,
      RequestStore requests,
      AuditLog audit,
      EnablementStore enablements,
      CardStore cards)
      throws Exception {
    this(customers, clock, requests, audit, enablements, cards, null, null);
  }

  /**
   * The same, with where deliveries already handled are kept and the real time Slack's timestamps
   * are checked against (this process's memory and the system clock when null).
   */
  SlackHarness(
      Customers customers,
      MutableClock clock,
      RequestStore requests,
      AuditLog audit,
      EnablementStore enablements,
      CardStore cards,
      DeliveryLog deliveries,
      java.time.Clock wallClock)
      throws Exception {
    wm.resetAll();
    this.clock = clock;
    this.requests = requests == null ? listing : requests;
    this.audit = audit == null ? memoryAudit : audit;
    this.enablements = enablements == null ? new InMemoryEnablementStore(memoryAudit) : enablements;
    this.cards = cards == null ? new InMemoryCardStore(listing::all, clock) : cards;
    stubSlack();
    settings = new SlackSettings(TOKEN, SECRET, wm.baseUrl() + "/api/");
    SlackApi api = new SlackApi(SlackApi.slackFor(settings), TOKEN, sleeps::add);
    SlackSurface.Foundation foundation =
        SlackSurface.foundation(
            settings,
            api,
            customers,
            this.requests,
            this.cards,
            this.audit,
            sessions,
            clock,
            System::nanoTime,
            RetryPolicy.DEFAULT,
            executor);
    if (deliveries != null) {
      foundation.rememberDeliveriesIn(deliveries);
    }
    if (wallClock != null) {
      foundation.wallClock(wallClock);
    }
    core =
        UseCases.wire(
            new UseCases.Ports(
                customers,
                this.requests,
                this.enablements,
                this.audit,
                cluster,
                foundation.notifier(),
                foundation.approverDirectory()),
            clock,
            new Random(7),
            RetryPolicy.DEFAULT);
    surface = foundation.complete(core);
    server = new HttpServer(0).addServlet(HttpServer.SLACK_EVENTS_PATH, surface.servlet()).start();
  }

  /** Enables every role of prod (staging stays disabled), as the customer's admin. */
  SlackHarness enableProd() {
    core.enable().enable(Fixtures.PROD, Fixtures.ADMIN, Set.of("readonly", "operator", "admin"));
    return this;
  }

  private void stubSlack() {
    wm.stubFor(
        post("/api/auth.test")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"url\":\"https://acme.slack.com/\","
                        + "\"team\":\"Acme\",\"user\":\"latchkey\",\"team_id\":\"T0CUSTOMER\",\"user_id\":\"U0LATCHKEY\","
                        + "\"bot_id\":\"B0LATCHKEY\"}")));
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
    // users.info: the vendor's engineers (anyone not named below) in T0VENDOR, the customer's
    // people in T0CUSTOMER.
    wm.stubFor(
        post("/api/users.info")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"user\":{\"id\":\"U0ENGINEER\","
                        + "\"team_id\":\"T0VENDOR\",\"profile\":{\"email\":\"alice@vendor.example\"}}}")));
    for (Actor.SlackUser user :
        List.of(
            Fixtures.APPROVER,
            Fixtures.APPROVER_2,
            Fixtures.APPROVER_3,
            Fixtures.GROUP_APPROVER,
            Fixtures.ADMIN,
            Fixtures.BYSTANDER)) {
      stubUser(user.userId(), user.teamId(), Optional.empty());
    }
    wm.stubFor(
        post("/api/usergroups.users.list")
            .willReturn(okJson("{\"ok\":true,\"users\":[\"U0GROUPMEMBER\"]}")));
    wm.stubFor(
        post("/api/conversations.open")
            .willReturn(okJson("{\"ok\":true,\"channel\":{\"id\":\"" + DM_CHANNEL + "\"}}")));
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
    // Slack's upload flow: an upload address (here on the fake), the bytes, then the share.
    wm.stubFor(
        post("/api/files.getUploadURLExternal")
            .willReturn(
                okJson(
                    "{\"ok\":true,\"upload_url\":\""
                        + wm.baseUrl()
                        + "/upload/F0CAST\",\"file_id\":\"F0CAST\"}")));
    wm.stubFor(post("/upload/F0CAST").willReturn(aResponse().withStatus(200).withBody("OK")));
    wm.stubFor(
        post("/api/files.completeUploadExternal")
            .willReturn(okJson("{\"ok\":true,\"files\":[{\"id\":\"F0CAST\"}]}")));
    wm.stubFor(
        post(urlPathMatching("/response/.*"))
            .willReturn(aResponse().withStatus(200).withBody("ok")));
  }

  /**
   * What users.info says about {@code userId}: their own workspace and, for Enterprise Grid, their
   * org.
   */
  SlackHarness stubUser(String userId, String teamId, Optional<String> enterpriseId) {
    return stubUser(
        userId,
        teamId,
        enterpriseId,
        Optional.of(userId.toLowerCase(java.util.Locale.ROOT) + "@example.com"));
  }

  /** The same, with the email the directory shows (none when hidden). */
  SlackHarness stubUser(
      String userId, String teamId, Optional<String> enterpriseId, Optional<String> email) {
    ObjectNode user = JSON.createObjectNode().put("id", userId).put("team_id", teamId);
    enterpriseId.ifPresent(
        e -> user.putObject("enterprise_user").put("id", userId).put("enterprise_id", e));
    ObjectNode profile = user.putObject("profile");
    email.ifPresent(e -> profile.put("email", e));
    wm.stubFor(
        post("/api/users.info")
            .withFormParam("user", equalTo(userId))
            .willReturn(
                okJson(JSON.createObjectNode().put("ok", true).set("user", user).toString())));
    return this;
  }

  // ---------------------------------------------------------------- sending signed requests

  URI endpoint() {
    return URI.create("http://localhost:" + server.port() + HttpServer.SLACK_EVENTS_PATH);
  }

  HttpResponse<String> postSigned(String body, String contentType, Map<String, String> headers)
      throws Exception {
    long ts = System.currentTimeMillis() / 1000;
    return postSigned(body, contentType, ts, SECRET, headers);
  }

  HttpResponse<String> postSigned(
      String body, String contentType, long timestamp, String secret, Map<String, String> headers)
      throws Exception {
    String signature =
        new SlackSignature.Generator(secret).generate(Long.toString(timestamp), body);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint())
            .header("Content-Type", contentType)
            .header(SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP, Long.toString(timestamp))
            .header(SlackSignature.HeaderNames.X_SLACK_SIGNATURE, signature)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The form body Slack posts for a slash command. */
  String commandBody(Actor.SlackUser user, String channel, String text) {
    int n = seq.incrementAndGet();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("token", "legacy-verification-token");
    form.put("team_id", user.teamId());
    form.put("team_domain", "shared");
    form.put("channel_id", channel);
    form.put("channel_name", "acme-support");
    form.put("user_id", user.userId());
    form.put("user_name", user.userId().toLowerCase());
    form.put("command", "/access");
    form.put("text", text);
    form.put("api_app_id", "A0LATCHKEY");
    form.put("is_enterprise_install", "false");
    form.put("response_url", wm.baseUrl() + "/response/command-" + n);
    form.put("trigger_id", "13345224609.738474920.trigger" + n);
    return form(form);
  }

  HttpResponse<String> command(Actor.SlackUser user, String text) throws Exception {
    return command(user, Fixtures.CHANNEL, text);
  }

  HttpResponse<String> command(Actor.SlackUser user, String channel, String text) throws Exception {
    return postSigned(
        commandBody(user, channel, text), "application/x-www-form-urlencoded", Map.of());
  }

  /**
   * A block_actions payload: the installing workspace is always T0CUSTOMER; the clicker's own is
   * user.team_id.
   */
  String clickPayload(Actor.SlackUser user, String actionId, String value) {
    int n = seq.incrementAndGet();
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "block_actions");
    ObjectNode u = p.putObject("user");
    u.put("id", user.userId());
    u.put("username", user.userId().toLowerCase());
    u.put("name", user.userId().toLowerCase());
    u.put("team_id", user.teamId());
    p.put("api_app_id", "A0LATCHKEY");
    p.put("token", "legacy-verification-token");
    ObjectNode container = p.putObject("container");
    container.put("type", "message");
    container.put("message_ts", "1772442000.000100");
    container.put("channel_id", Fixtures.CHANNEL);
    container.put("is_ephemeral", false);
    p.put("trigger_id", "13345224609.738474920.click" + n);
    ObjectNode team = p.putObject("team");
    team.put("id", Fixtures.CUSTOMER_TEAM);
    team.put("domain", "acme");
    p.putNull("enterprise");
    p.put("is_enterprise_install", false);
    ObjectNode channel = p.putObject("channel");
    channel.put("id", Fixtures.CHANNEL);
    channel.put("name", "acme-support");
    ObjectNode message = p.putObject("message");
    message.put("type", "message");
    message.put("ts", "1772442000.000100");
    message.put("text", "Access request");
    p.put("response_url", wm.baseUrl() + "/response/action-" + n);
    ArrayNode actions = p.putArray("actions");
    ObjectNode action = actions.addObject();
    action.put("action_id", actionId);
    action.put("block_id", "latchkey.card." + value);
    ObjectNode text = action.putObject("text");
    text.put("type", "plain_text");
    text.put("text", "Approve");
    action.put("value", value);
    action.put("type", "button");
    action.put("action_ts", "1772442010.1234" + n);
    return p.toString();
  }

  HttpResponse<String> click(Actor.SlackUser user, String actionId, RequestId id) throws Exception {
    return postSigned(
        form(Map.of("payload", clickPayload(user, actionId, id.value()))),
        "application/x-www-form-urlencoded",
        Map.of());
  }

  /** An event_callback with a message in a thread. */
  String threadReplyEvent(
      Actor.SlackUser user, String threadTs, String ts, String text, String eventId) {
    ObjectNode e = JSON.createObjectNode();
    e.put("token", "legacy-verification-token");
    e.put("team_id", Fixtures.CUSTOMER_TEAM);
    e.put("api_app_id", "A0LATCHKEY");
    ObjectNode event = e.putObject("event");
    event.put("type", "message");
    event.put("channel", Fixtures.CHANNEL);
    event.put("user", user.userId());
    event.put("text", text);
    event.put("ts", ts);
    event.put("thread_ts", threadTs);
    event.put("parent_user_id", "U0LATCHKEY");
    event.put("team", user.teamId());
    event.put("event_ts", ts);
    event.put("channel_type", "channel");
    e.put("type", "event_callback");
    e.put("event_id", eventId);
    e.put("event_time", 1772442100);
    ArrayNode authorizations = e.putArray("authorizations");
    ObjectNode auth = authorizations.addObject();
    auth.put("team_id", Fixtures.CUSTOMER_TEAM);
    auth.put("user_id", "U0LATCHKEY");
    auth.put("is_bot", true);
    e.put("is_ext_shared_channel", true);
    return e.toString();
  }

  HttpResponse<String> threadReply(
      Actor.SlackUser user,
      RequestId id,
      String ts,
      String text,
      String eventId,
      Map<String, String> headers)
      throws Exception {
    String threadTs = cards.find(id).orElseThrow().ts();
    return postSigned(
        threadReplyEvent(user, threadTs, ts, text, eventId), "application/json", headers);
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

  // ---------------------------------------------------------------- what Slack received

  /** The form fields of every call to a Web API method, in order. */
  List<Map<String, String>> calls(String method) {
    List<Map<String, String>> out = new ArrayList<>();
    for (LoggedRequest r : wm.findAll(postRequestedFor(urlEqualTo("/api/" + method)))) {
      Map<String, String> fields = Payloads.form(r.getBodyAsString());
      if (fields.containsKey("blocks")) {
        // Gson writes < and > as \u003c and \u003e; compare on the characters Slack reads.
        fields.put("blocks", Payloads.json(fields.get("blocks")).toString());
      }
      out.add(fields);
    }
    return out;
  }

  /** The JSON bodies posted to response_url addresses. */
  List<JsonNode> responses() {
    List<JsonNode> out = new ArrayList<>();
    for (LoggedRequest r : wm.findAll(postRequestedFor(urlPathMatching("/response/.*")))) {
      out.add(Payloads.json(r.getBodyAsString()));
    }
    return out;
  }

  List<String> responseTexts() {
    return responses().stream()
        .map(j -> j.path("text").asText() + j.path("blocks").toString())
        .toList();
  }

  /** Ephemeral texts sent to a user. */
  List<String> ephemeralsTo(String userId) {
    return calls("chat.postEphemeral").stream()
        .filter(c -> userId.equals(c.get("user")))
        .map(c -> c.get("text"))
        .toList();
  }

  /** Card posts (chat.postMessage in the shared channel outside any thread). */
  List<Map<String, String>> cardPosts() {
    return calls("chat.postMessage").stream()
        .filter(c -> Fixtures.CHANNEL.equals(c.get("channel")) && c.get("thread_ts") == null)
        .toList();
  }

  List<String> threadReplies(RequestId id) {
    String ts = cards.find(id).map(CardStore.CardRef::ts).orElse("none");
    return calls("chat.postMessage").stream()
        .filter(c -> ts.equals(c.get("thread_ts")))
        .map(c -> c.get("text"))
        .toList();
  }

  List<String> directMessages() {
    return calls("chat.postMessage").stream()
        .filter(c -> DM_CHANNEL.equals(c.get("channel")))
        .map(c -> c.get("text"))
        .toList();
  }

  /** The blocks of the latest update of a card (or its post when never updated). */
  String latestCard(RequestId id) {
    CardStore.CardRef ref = cards.find(id).orElseThrow();
    List<Map<String, String>> updates =
        calls("chat.update").stream().filter(c -> ref.ts().equals(c.get("ts"))).toList();
    if (!updates.isEmpty()) {
      return updates.getLast().get("blocks");
    }
    return cardPosts().stream()
        .filter(c -> c.get("blocks").contains(id.value()))
        .findFirst()
        .orElseThrow()
        .get("blocks");
  }

  // ---------------------------------------------------------------- waiting

  /** Submits through /access and waits until the card is posted and shows the stored version. */
  AccessRequest submit(Actor.SlackUser user, String text) throws Exception {
    Set<RequestId> before = ids();
    HttpResponse<String> response = command(user, text);
    assertThat(response.statusCode()).isEqualTo(200);
    await().until(() -> ids().size() > before.size());
    Set<RequestId> added = new java.util.HashSet<>(ids());
    added.removeAll(before);
    RequestId id = added.iterator().next();
    awaitCardShows(id);
    return requests.find(id).orElseThrow();
  }

  /** Ids of all requests (the in-memory store) or of the open ones (a given store). */
  Set<RequestId> ids() {
    Collection<AccessRequest> all =
        requests == listing ? listing.all() : requests.findOpen(Fixtures.ACME);
    return all.stream().map(AccessRequest::id).collect(Collectors.toSet());
  }

  void awaitCardShows(RequestId id) {
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(cards.find(id)).isPresent();
              assertThat(cards.findOutOfDate(1000)).doesNotContain(id);
            });
  }

  AccessRequest get(RequestId id) {
    return requests.find(id).orElseThrow();
  }

  @Override
  public void close() {
    http.close();
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("server did not stop", e);
    } finally {
      surface.close();
      executor.shutdownNow();
    }
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
