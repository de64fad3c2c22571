package dev.latchkey.bench;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * Slack's Web API as Latchkey uses it, played by WireMock on loopback: every method answers {@code
 * ok}, card posts get a unique {@code ts}, and the bodies posted to {@code response_url} addresses
 * are handed to a listener (that is how the benchmark learns the ids of the requests it created).
 * No request journal is kept, so memory stays flat over hundreds of thousands of calls.
 */
final class SlackStub implements AutoCloseable {
  static final String TEAM = "T0CUSTOMER";
  static final String BOT_USER = "U0LATCHKEY";
  static final String DM_CHANNEL = "D0REQUESTER";

  private final WireMockServer server;
  private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  private final AtomicLong lastCallNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong ts = new AtomicLong();
  private volatile BiConsumer<String, String> responseListener = (path, body) -> {};

  private SlackStub() {
    server =
        new WireMockServer(
            WireMockConfiguration.wireMockConfig()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .containerThreads(64)
                .disableRequestJournal()
                .extensionScanningEnabled(false)
                .extensions(new Answers()));
  }

  static SlackStub start() {
    SlackStub stub = new SlackStub();
    stub.server.start();
    stub.server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
    return stub;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  /** The Web API base URL Latchkey is given (SLACK_API_URL). */
  String apiUrl() {
    return baseUrl() + "/api/";
  }

  void onResponseUrl(BiConsumer<String, String> listener) {
    this.responseListener = listener;
  }

  /** Calls per Web API method (and "response_url") since the start. */
  Map<String, Long> calls() {
    Map<String, Long> out = new TreeMap<>();
    calls.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  long totalCalls() {
    return calls.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Nanoseconds since the last call Slack received. */
  long quietNanos() {
    return System.nanoTime() - lastCallNanos.get();
  }

  /**
   * Waits until Slack has received nothing for {@code quietMillis} (Latchkey's work after the
   * acknowledgements is done), at most {@code maxMillis}; returns how long it waited.
   */
  long awaitQuiet(long quietMillis, long maxMillis) throws InterruptedException {
    long start = System.nanoTime();
    while (quietNanos() < quietMillis * 1_000_000L) {
      if (System.nanoTime() - start > maxMillis * 1_000_000L) {
        break;
      }
      Thread.sleep(50);
    }
    return (System.nanoTime() - start) / 1_000_000L;
  }

  @Override
  public void close() {
    server.stop();
  }

  private String answer(String path, String body) {
    if (path.startsWith("/response/")) {
      count("response_url");
      responseListener.accept(path, body);
      return null;
    }
    String method = path.startsWith("/api/") ? path.substring(5) : path;
    count(method);
    return switch (method) {
      case "auth.test" ->
          "{\"ok\":true,\"url\":\"https://acme.slack.com/\",\"team\":\"Acme\",\"user\":\"latchkey\","
              + "\"team_id\":\""
              + TEAM
              + "\",\"user_id\":\""
              + BOT_USER
              + "\",\"bot_id\":\"B0LATCHKEY\"}";
      case "chat.postMessage" ->
          "{\"ok\":true,\"channel\":\""
              + field(body, "channel", "C0SHARED")
              + "\",\"ts\":\""
              + nextTs()
              + "\"}";
      case "chat.update" ->
          "{\"ok\":true,\"channel\":\""
              + field(body, "channel", "C0SHARED")
              + "\",\"ts\":\""
              + field(body, "ts", "1.1")
              + "\"}";
      case "chat.postEphemeral" -> "{\"ok\":true,\"message_ts\":\"" + nextTs() + "\"}";
      // Latchkey takes everyone's own workspace from users.info: the customer's approvers and
      // admins are theirs.
      case "users.info" -> usersInfo(field(body, "user", "U0ENGINEER"));
      case "usergroups.users.list" -> "{\"ok\":true,\"users\":[]}";
      case "conversations.open" -> "{\"ok\":true,\"channel\":{\"id\":\"" + DM_CHANNEL + "\"}}";
      case "chat.getPermalink" ->
          "{\"ok\":true,\"channel\":\"C0SHARED\","
              + "\"permalink\":\"https://acme.slack.com/archives/C0SHARED/p1\"}";
      case "conversations.replies" -> "{\"ok\":true,\"messages\":[],\"has_more\":false}";
      case "views.open" -> "{\"ok\":true,\"view\":{\"id\":\"V0FORM\"}}";
      default -> "{\"ok\":true}";
    };
  }

  private static String usersInfo(String user) {
    boolean customer = user.startsWith("U0APPROVER") || user.startsWith("U0ADMIN");
    String team = customer ? SlackRequests.CUSTOMER_TEAM : "T0VENDOR";
    // Each person has their own address: Latchkey refuses an approval by the requester's own email.
    String email =
        customer ? user.toLowerCase(Locale.ROOT) + "@acme.example" : "alice@vendor.example";
    return "{\"ok\":true,\"user\":{\"id\":\""
        + user
        + "\",\"team_id\":\""
        + team
        + "\",\"profile\":{\"email\":\""
        + email
        + "\"}}}";
  }

  private void count(String key) {
    calls.computeIfAbsent(key, k -> new LongAdder()).increment();
    lastCallNanos.set(System.nanoTime());
  }

  private String nextTs() {
    long n = ts.incrementAndGet();
    return "1772442000."
        + String.format("%06d", n % 1_000_000)
        + String.format("%03d", n / 1_000_000);
  }

  /** A form field of the Web API call (the Slack SDK posts form-encoded bodies). */
  private static String field(String body, String name, String fallback) {
    if (body == null) {
      return fallback;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8).replace("\"", "");
      }
    }
    return fallback;
  }

  private final class Answers implements ResponseDefinitionTransformerV2 {
    @Override
    public ResponseDefinition transform(ServeEvent event) {
      Request request = event.getRequest();
      String url = request.getUrl();
      int q = url.indexOf('?');
      String path = q < 0 ? url : url.substring(0, q);
      String json = answer(path, request.getBodyAsString());
      if (json == null) {
        return ResponseDefinitionBuilder.responseDefinition()
            .withStatus(200)
            .withHeader("Content-Type", "text/plain")
            .withBody("ok")
            .build();
      }
      return ResponseDefinitionBuilder.responseDefinition()
          .withStatus(200)
          .withHeader("Content-Type", "application/json; charset=utf-8")
          .withBody(json)
          .build();
    }

    @Override
    public String getName() {
      return "latchkey-slack-answers";
    }
  }
}
