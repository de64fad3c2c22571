package dev.latchkey.bot.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.slack.api.app_backend.SlackSignature;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.testing.MutableClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input corpus against a whole Latchkey's {@code /slack/events}: forged, stale and unsigned
 * requests, oversized and broken bodies, malformed and ill-typed payloads, unknown ids, SQL-like
 * and mrkdwn-injecting text, over-long reasons and impossible durations. Each row states what the
 * sender must get back (status, and where the message goes: the acknowledgement, the command's
 * response_url, or an ephemeral message), and what may be stored: nothing at all, only the audited
 * refusal, or — for text that is merely odd — the request, with the text shown escaped. After every
 * row the message is checked to be a plain sentence (no exception, no stack frame), the tables are
 * checked against the row, the audit chain is verified, and /healthz must still answer 200.
 */
class BadInputCorpusTest {
  /** How many rows the corpus holds (recorded in the README's reliability section). */
  static final int CASES = 54;

  private static final String FORM = FakeSlack.FORM;
  private static final String JSON = "application/json";
  private static final Pattern REQUEST_ID = Pattern.compile("ar-[0-9a-z]{8}");
  private static final String SQL = "'; DROP TABLE requests; --";
  private static final String REQUEST_USAGE_SHOWN =
      "/access request &lt;cluster&gt; &lt;role&gt; " + "[&lt;duration like 30m, 2h&gt;]";
  private static final AtomicInteger passed = new AtomicInteger();
  private static final AtomicInteger tried = new AtomicInteger();

  @TempDir static Path dir;
  private static KubernetesMockServer cluster;
  private static KubernetesClient client;
  private static FakeSlack slack;
  private static InProcessLatchkey app;

  @BeforeAll
  static void start() throws Exception {
    // One mock API server for the whole table (JUnit's per-test mock server would add a start-up to
    // every row).
    cluster = InProcessLatchkey.mockCluster();
    client = cluster.createClient();
    slack = new FakeSlack();
    app =
        InProcessLatchkey.start(
            dir, slack, client, MutableClock.at("2026-03-02T09:00:00Z"), List.of("U0APPROVER1"));
    HttpResponse<String> enable =
        slack.send(
            slack.signed(
                app.events(),
                slack.commandBody(
                    FakeSlack.CUSTOMER_TEAM, FakeSlack.ADMIN, "enable prod", "enable"),
                FORM));
    assertThat(enable.statusCode()).isEqualTo(200);
    FakeSlack.soon().until(() -> !slack.responsesTo("enable").isEmpty());
    assertThat(slack.responsesTo("enable").getFirst().path("text").asText())
        .contains("now enabled");
  }

  @AfterAll
  static void stop() {
    System.out.println("bad-input corpus: " + tried.get() + " cases, " + passed.get() + " passed");
    if (app != null) {
      app.close();
    }
    if (slack != null) {
      slack.close();
    }
    if (client != null) {
      client.close();
      cluster.destroy();
    }
  }

  // ---------------------------------------------------------------- the table

  /** Where the sender reads Latchkey's answer. */
  enum Answer {
    /** In the HTTP answer itself (plain text, or a slash command's acknowledgement JSON). */
    ACK,
    /** Posted later to the command's response_url. */
    RESPONSE_URL,
    /** Posted later as an ephemeral message to the clicker. */
    EPHEMERAL
  }

  /** What one row sends, given its unique response_url name and user id. */
  record Ctx(String responseName, String user, URI endpoint) {}

  /**
   * One row: the request, the status, where the message is read and what it must say, the audit
   * actions the row may add (in order), how many request rows it may add, and any further check on
   * what Latchkey sent.
   */
  record Case(
      String name,
      Function<Ctx, HttpRequest> request,
      int status,
      Answer answer,
      List<String> says,
      List<String> audited,
      int storedRequests,
      Consumer<String> more) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> corpus() {
    List<Case> rows = new ArrayList<>();

    // Signatures, timestamps and the body itself: refused before anything is parsed.
    rows.add(
        door(
            "no signature headers",
            401,
            "Missing Slack signature headers",
            c -> raw(c, command(c, "request prod readonly 1h unsigned"), FORM, Map.of())));
    rows.add(
        door(
            "signature without timestamp",
            401,
            "Missing Slack signature headers",
            c ->
                raw(
                    c,
                    command(c, "request prod readonly 1h half-signed"),
                    FORM,
                    Map.of(
                        SlackSignature.HeaderNames.X_SLACK_SIGNATURE, "v0=" + "ab".repeat(32)))));
    rows.add(
        door(
            "signed with the wrong secret",
            401,
            "Invalid Slack signature",
            c ->
                signedWith(
                    c,
                    command(c, "request prod readonly 1h forged"),
                    FORM,
                    "not-the-secret",
                    FakeSlack.now())));
    rows.add(
        door(
            "garbled signature",
            401,
            "Invalid Slack signature",
            c ->
                raw(
                    c,
                    command(c, "request prod readonly 1h garbled"),
                    FORM,
                    Map.of(
                        SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP,
                        Long.toString(FakeSlack.now()),
                        SlackSignature.HeaderNames.X_SLACK_SIGNATURE,
                        "v0=00"))));
    rows.add(
        door(
            "signature of another body",
            401,
            "Invalid Slack signature",
            c -> {
              long ts = FakeSlack.now();
              String signedBody = command(c, "request prod readonly 1h harmless");
              return raw(
                  c,
                  command(c, "request prod admin 8h swapped"),
                  FORM,
                  Map.of(
                      SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP, Long.toString(ts),
                      SlackSignature.HeaderNames.X_SLACK_SIGNATURE,
                          FakeSlack.signature(
                              FakeSlack.SIGNING_SECRET,
                              ts,
                              signedBody.getBytes(StandardCharsets.UTF_8))));
            }));
    rows.add(
        door(
            "stale timestamp (6 minutes old), correctly signed",
            401,
            "Stale",
            c ->
                signedWith(
                    c,
                    command(c, "request prod readonly 1h replayed"),
                    FORM,
                    FakeSlack.SIGNING_SECRET,
                    FakeSlack.now() - 6 * 60)));
    rows.add(
        door(
            "timestamp 6 minutes ahead, correctly signed",
            401,
            "Stale",
            c ->
                signedWith(
                    c,
                    command(c, "request prod readonly 1h early"),
                    FORM,
                    FakeSlack.SIGNING_SECRET,
                    FakeSlack.now() + 6 * 60)));
    rows.add(
        door(
            "timestamp not a number",
            401,
            "Stale or invalid X-Slack-Request-Timestamp",
            c ->
                raw(
                    c,
                    command(c, "request prod readonly 1h when"),
                    FORM,
                    Map.of(
                        SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP, "yesterday",
                        SlackSignature.HeaderNames.X_SLACK_SIGNATURE, "v0=00"))));
    rows.add(
        door(
            "body over 1 MB (Content-Length)",
            413,
            "limit is 1 MB",
            c ->
                signedWith(
                    c,
                    "payload=" + "a".repeat(1024 * 1024 + 10),
                    FORM,
                    FakeSlack.SIGNING_SECRET,
                    FakeSlack.now())));
    rows.add(
        door(
            "body over 1 MB (chunked, no Content-Length)",
            413,
            "limit is 1 MB",
            c -> {
              byte[] huge =
                  ("payload=" + "a".repeat(1024 * 1024 + 10)).getBytes(StandardCharsets.UTF_8);
              return HttpRequest.newBuilder(c.endpoint())
                  .timeout(Duration.ofSeconds(20))
                  .header("Content-Type", FORM)
                  .header(
                      SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP,
                      Long.toString(FakeSlack.now()))
                  .header(SlackSignature.HeaderNames.X_SLACK_SIGNATURE, "v0=00")
                  .POST(
                      HttpRequest.BodyPublishers.ofInputStream(
                          () -> new ByteArrayInputStream(huge)))
                  .build();
            }));
    rows.add(
        door(
            "invalid UTF-8",
            400,
            "not valid UTF-8",
            c -> {
              byte[] body = {
                'p', 'a', 'y', 'l', 'o', 'a', 'd', '=', (byte) 0xC3, (byte) 0x28, (byte) 0xFF
              };
              long ts = FakeSlack.now();
              return HttpRequest.newBuilder(c.endpoint())
                  .timeout(Duration.ofSeconds(20))
                  .header("Content-Type", FORM)
                  .header(SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP, Long.toString(ts))
                  .header(
                      SlackSignature.HeaderNames.X_SLACK_SIGNATURE,
                      FakeSlack.signature(FakeSlack.SIGNING_SECRET, ts, body))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build();
            }));

    // Interaction payloads Slack would never send: malformed JSON, missing fields, wrong types.
    rows.add(
        door(
            "payload: truncated JSON",
            400,
            "Malformed Slack payload",
            c -> signed(c, FakeSlack.payloadForm("{\"type\":\"block_actions\","), FORM)));
    rows.add(
        door(
            "payload: not JSON",
            400,
            "Malformed Slack payload",
            c -> signed(c, FakeSlack.payloadForm("approve=yes please"), FORM)));
    rows.add(
        door(
            "payload: a JSON array",
            400,
            "Malformed Slack payload",
            c -> signed(c, FakeSlack.payloadForm("[1,2,3]"), FORM)));
    rows.add(
        door(
            "payload: a JSON string",
            400,
            "Malformed Slack payload",
            c -> signed(c, FakeSlack.payloadForm("\"just a string\""), FORM)));
    rows.add(
        door(
            "payload: empty",
            400,
            "Unrecognised Slack request",
            c -> signed(c, FakeSlack.payloadForm(""), FORM)));
    rows.add(
        door(
            "payload: JSON null",
            400,
            "Malformed Slack payload",
            c -> signed(c, FakeSlack.payloadForm("null"), FORM)));
    rows.add(
        door(
            "payload: unknown interaction type",
            400,
            "Unrecognised Slack request",
            c ->
                signed(
                    c,
                    FakeSlack.payloadForm(
                        click(c, "latchkey.approve", "ar-zzzzzzzz")
                            .put("type", "mystery_interaction")
                            .toString()),
                    FORM)));
    rows.add(
        door(
            "block_actions: no user",
            400,
            "Malformed Slack payload",
            c -> {
              ObjectNode p = click(c, "latchkey.approve", "ar-zzzzzzzz");
              p.remove("user");
              return signed(c, FakeSlack.payloadForm(p.toString()), FORM);
            }));
    rows.add(
        door(
            "block_actions: user without id",
            400,
            "lacks user.id",
            c -> {
              ObjectNode p = click(c, "latchkey.approve", "ar-zzzzzzzz");
              ((ObjectNode) p.get("user")).putNull("id");
              return signed(c, FakeSlack.payloadForm(p.toString()), FORM);
            }));
    rows.add(
        door(
            "block_actions: no channel anywhere",
            400,
            "lacks the channel",
            c -> {
              ObjectNode p = click(c, "latchkey.approve", "ar-zzzzzzzz");
              p.remove("channel");
              ((ObjectNode) p.get("container")).remove("channel_id");
              return signed(c, FakeSlack.payloadForm(p.toString()), FORM);
            }));
    rows.add(
        door(
            "block_actions: user is an array (wrong type)",
            400,
            "Malformed Slack payload",
            c -> {
              ObjectNode p = click(c, "latchkey.approve", "ar-zzzzzzzz");
              p.putArray("user").add(1).add(2);
              return signed(c, FakeSlack.payloadForm(p.toString()), FORM);
            }));
    rows.add(
        door(
            "block_actions: actions is a string (wrong type)",
            400,
            "Malformed Slack payload",
            c -> {
              ObjectNode p = click(c, "latchkey.approve", "ar-zzzzzzzz");
              p.put("actions", "approve");
              return signed(c, FakeSlack.payloadForm(p.toString()), FORM);
            }));
    rows.add(
        door(
            "block_actions: no actions",
            404,
            "No handler for this Slack request",
            c -> {
              ObjectNode p = click(c, "latchkey.approve", "ar-zzzzzzzz");
              p.putArray("actions");
              return signed(c, FakeSlack.payloadForm(p.toString()), FORM);
            }));
    rows.add(
        door(
            "block_actions: unknown action id",
            404,
            "No handler for this Slack request",
            c ->
                signed(
                    c,
                    FakeSlack.payloadForm(
                        click(c, "latchkey.self-destruct", "ar-zzzzzzzz").toString()),
                    FORM)));
    rows.add(
        new Case(
            "block_actions: button value is a number (wrong type)",
            c -> {
              ObjectNode p = click(c, "latchkey.approve", "x");
              ((ObjectNode) p.get("actions").get(0)).put("value", 42);
              return signed(c, FakeSlack.payloadForm(p.toString()), FORM);
            },
            200,
            Answer.EPHEMERAL,
            List.of("does not belong to a known request"),
            List.of(),
            0,
            shown -> {}));
    rows.add(
        new Case(
            "block_actions: unknown request id",
            c ->
                signed(
                    c,
                    FakeSlack.payloadForm(click(c, "latchkey.approve", "ar-zzzzzzzz").toString()),
                    FORM),
            200,
            Answer.EPHEMERAL,
            List.of("Request ar-zzzzzzzz does not exist"),
            List.of(),
            0,
            shown -> {}));
    rows.add(
        new Case(
            "block_actions: SQL-like button value",
            c -> signed(c, FakeSlack.payloadForm(click(c, "latchkey.deny", SQL).toString()), FORM),
            200,
            Answer.EPHEMERAL,
            List.of("does not belong to a known request"),
            List.of(),
            0,
            shown -> {}));
    rows.add(
        door(
            "view_submission: unknown callback id",
            404,
            "No handler for this Slack request",
            c ->
                signed(
                    c,
                    FakeSlack.payloadForm(
                        "{\"type\":\"view_submission\",\"user\":{\"id\":\""
                            + c.user()
                            + "\",\"team_id\":\"T0VENDOR\"},\"view\":{\"id\":\"V1\",\"type\":\"modal\",\"callback_id\":"
                            + "\"something.else\",\"state\":{\"values\":{}}}}"),
                    FORM)));
    rows.add(
        door(
            "view_submission: no view",
            400,
            "Malformed Slack payload",
            c ->
                signed(
                    c,
                    FakeSlack.payloadForm(
                        "{\"type\":\"view_submission\",\"user\":{\"id\":\""
                            + c.user()
                            + "\",\"team_id\":\"T0VENDOR\"}}"),
                    FORM)));

    // Slash commands with fields missing, or not ours.
    rows.add(
        door(
            "command: not /access",
            404,
            "No handler for this Slack request",
            c ->
                signed(
                    c,
                    command(c, "request prod readonly 1h x")
                        .replace("command=%2Faccess", "command=%2Fother"),
                    FORM)));
    rows.add(
        door(
            "command: no user_id",
            400,
            "lacks user_id or channel_id",
            c ->
                signed(
                    c, withoutField(command(c, "request prod readonly 1h x"), "user_id"), FORM)));
    rows.add(
        door(
            "command: no channel_id",
            400,
            "lacks user_id or channel_id",
            c ->
                signed(
                    c,
                    withoutField(command(c, "request prod readonly 1h x"), "channel_id"),
                    FORM)));
    rows.add(
        ack(
            "command: unknown verb",
            "Unknown command `frobnicate`",
            c -> command(c, "frobnicate now")));

    // Events API bodies.
    rows.add(
        door(
            "event: truncated JSON",
            400,
            "Unrecognised Slack request",
            c -> signed(c, "{\"type\":\"event_callback\",\"event\":", JSON)));
    rows.add(
        door(
            "event: no event",
            400,
            "Malformed Slack payload",
            c -> signed(c, "{\"type\":\"event_callback\",\"event_id\":\"Ev0NONE\"}", JSON)));
    rows.add(
        door(
            "event: event is a string (wrong type)",
            400,
            "Malformed Slack payload",
            c ->
                signed(
                    c,
                    "{\"type\":\"event_callback\",\"event_id\":\"Ev0STR\",\"event\":\"message\"}",
                    JSON)));

    // SQL-like text: plain text to Latchkey, stored and shown verbatim where it is a reason,
    // refused as an id.
    rows.add(
        new Case(
            "SQL-like reason",
            c -> signed(c, command(c, "request prod readonly 1h " + SQL), FORM),
            200,
            Answer.RESPONSE_URL,
            List.of("is posted for approval"),
            List.of("request.submitted"),
            1,
            card -> assertThat(card).contains("*Reason*\n" + SQL)));
    rows.add(
        ack("SQL-like id in /access show", "is not a request id", c -> command(c, "show " + SQL)));
    rows.add(
        ack(
            "SQL-like id in /access cancel",
            "is not a request id",
            c -> command(c, "cancel ar-1' OR '1'='1")));
    rows.add(
        new Case(
            "SQL-like cluster name",
            c ->
                signed(
                    c,
                    command(c, "request prod';DROP_TABLE_requests;-- " + "readonly 1h sneaky"),
                    FORM),
            200,
            Answer.RESPONSE_URL,
            List.of("Unknown cluster", "Clusters: prod."),
            List.of("request.refused"),
            0,
            shown -> {}));

    // mrkdwn in reasons: the request is accepted, the card shows the characters, never a ping or a
    // link.
    rows.add(
        injection(
            "mrkdwn injection: <!channel>",
            "<!channel> pods crash-looping",
            "&lt;!channel&gt;",
            "<!channel>"));
    rows.add(
        injection(
            "mrkdwn injection: <!here> and <!everyone>",
            "INC-9 <!here> <!everyone>",
            "&lt;!here&gt; &lt;!everyone&gt;",
            "<!here>",
            "<!everyone>"));
    rows.add(
        injection(
            "mrkdwn injection: <@U…> mention",
            "ping <@U0INJECTED> now",
            "&lt;@U0INJECTED&gt;",
            "<@U0INJECTED>"));
    rows.add(
        injection(
            "mrkdwn injection: <http://x|y> link",
            "see <http://evil.example|the runbook>",
            "&lt;http://evil.example|the runbook&gt;",
            "<http://evil.example"));

    // Reasons too long: refused with a clear message, nothing stored but the audited refusal.
    rows.add(
        new Case(
            "16 KB reason",
            c -> signed(c, command(c, "request prod readonly 1h " + "x".repeat(16 * 1024)), FORM),
            200,
            Answer.RESPONSE_URL,
            List.of("longer than 500 characters", "link a ticket instead"),
            List.of("request.refused"),
            0,
            shown -> {}));
    rows.add(
        new Case(
            "501-character reason",
            c -> signed(c, command(c, "request prod readonly 1h " + "y".repeat(501)), FORM),
            200,
            Answer.RESPONSE_URL,
            List.of("longer than 500 characters"),
            List.of("request.refused"),
            0,
            shown -> {}));

    // Durations: each refused with the correct form shown.
    rows.add(
        ack(
            "duration -1h",
            List.of(
                "`-1h` is not a valid duration: it must be above zero, e.g. 30m, 2h",
                "Usage: `" + REQUEST_USAGE_SHOWN),
            c -> command(c, "request prod readonly -1h negative")));
    rows.add(
        ack(
            "duration 0m",
            List.of(
                "`0m` is not a valid duration: it must be above zero, e.g. 30m, 2h",
                "Usage: `" + REQUEST_USAGE_SHOWN),
            c -> command(c, "request prod readonly 0m nothing")));
    rows.add(
        ack(
            "duration 1e9s",
            List.of(
                "`1e9s` is not a duration: use whole minutes, hours or days, e.g. 30m, 2h",
                "Usage: `" + REQUEST_USAGE_SHOWN),
            c -> command(c, "request prod readonly 1e9s forever")));
    rows.add(
        ack(
            "duration 2.5h",
            List.of(
                "`2.5h` is not a duration: use whole minutes, hours or days",
                "Usage: `" + REQUEST_USAGE_SHOWN),
            c -> command(c, "request prod readonly 2.5h fractional")));
    rows.add(
        ack(
            "duration 9999999999h (too many digits)",
            List.of("is not a duration: use whole minutes", "Usage: `" + REQUEST_USAGE_SHOWN),
            c -> command(c, "request prod readonly 9999999999h forever")));
    rows.add(
        new Case(
            "duration 999999h",
            c -> signed(c, command(c, "request prod readonly 999999h forever"), FORM),
            200,
            Answer.RESPONSE_URL,
            List.of("can be held for at most 8h", "Ask for 8h or less."),
            List.of("request.refused"),
            0,
            shown -> {}));
    rows.add(
        ack(
            "extension by -1h",
            List.of(
                "`-1h` is not a valid duration: it must be above zero",
                "Usage: `/access extend &lt;id&gt; &lt;duration like 30m, 2h&gt;`"),
            c -> command(c, "extend ar-zzzzzzzz -1h")));

    assertThat(rows).as("the corpus size recorded in CASES").hasSize(CASES);
    assertThat(rows.stream().map(Case::name).distinct()).as("row names are unique").hasSize(CASES);
    return rows.stream();
  }

  // ---------------------------------------------------------------- the one table-driven test

  @ParameterizedTest(name = "[{index}/" + CASES + "] {0}")
  @MethodSource("corpus")
  void badInputIsAnsweredClearlyAndChangesNothing(Case row) throws Exception {
    int n = tried.incrementAndGet();
    Ctx ctx = new Ctx("case-" + n, "U0CASE" + n, app.events());
    long requestsBefore = app.requestRows();
    long auditBefore = app.lastAuditSeq();

    HttpResponse<String> response = slack.send(row.request().apply(ctx));

    assertThat(response.statusCode()).as("status").isEqualTo(row.status());
    String message =
        switch (row.answer()) {
          case ACK -> ackText(response);
          case RESPONSE_URL -> {
            FakeSlack.soon().until(() -> !slack.responsesTo(ctx.responseName()).isEmpty());
            yield slack.responsesTo(ctx.responseName()).getFirst().path("text").asText();
          }
          case EPHEMERAL -> {
            FakeSlack.soon().until(() -> !slack.ephemeralsTo(ctx.user()).isEmpty());
            yield slack.ephemeralsTo(ctx.user()).getFirst();
          }
        };
    assertClear(response.body());
    assertClear(message);
    assertThat(message).as("the answer").contains(row.says());

    List<String> audited = app.auditActionsAfter(auditBefore);
    assertThat(audited).as("audit events added").containsExactlyElementsOf(row.audited());
    assertThat(app.requestRows() - requestsBefore)
        .as("request rows added")
        .isEqualTo(row.storedRequests());
    if (row.storedRequests() > 0) {
      Matcher id = REQUEST_ID.matcher(message);
      assertThat(id.find()).as("request id in %s", message).isTrue();
      String requestId = id.group();
      FakeSlack.soon().until(() -> card(requestId).isPresent());
      row.more().accept(card(requestId).orElseThrow());
    }
    assertThat(app.latchkey.database().audit().verify())
        .isInstanceOf(AuditLog.ChainCheck.Intact.class);
    assertThat(slack.get(app.management("/healthz")).statusCode())
        .as("/healthz afterwards")
        .isEqualTo(200);
    passed.incrementAndGet();
  }

  // ---------------------------------------------------------------- row builders

  /** Refused at the door with a status and a plain-text reason; nothing stored, nothing audited. */
  private static Case door(
      String name, int status, String says, Function<Ctx, HttpRequest> request) {
    return new Case(name, request, status, Answer.ACK, List.of(says), List.of(), 0, shown -> {});
  }

  /** A slash command answered in its acknowledgement (200); nothing stored, nothing audited. */
  private static Case ack(String name, String says, Function<Ctx, String> command) {
    return ack(name, List.of(says), command);
  }

  private static Case ack(String name, List<String> says, Function<Ctx, String> command) {
    return new Case(
        name,
        c -> signed(c, command.apply(c), FORM),
        200,
        Answer.ACK,
        says,
        List.of(),
        0,
        shown -> {});
  }

  /** A request whose reason tries mrkdwn: accepted, and the card shows it escaped. */
  private static Case injection(String name, String reason, String escaped, String... raw) {
    return new Case(
        name,
        c -> signed(c, command(c, "request prod readonly 1h " + reason), FORM),
        200,
        Answer.RESPONSE_URL,
        List.of("is posted for approval"),
        List.of("request.submitted"),
        1,
        card -> assertThat(card).contains(escaped).doesNotContain(raw));
  }

  private static String command(Ctx c, String text) {
    return slack.commandBody(FakeSlack.VENDOR_TEAM, FakeSlack.ENGINEER, text, c.responseName());
  }

  private static ObjectNode click(Ctx c, String actionId, String value) {
    return slack.clickPayload(FakeSlack.CUSTOMER_TEAM, c.user(), actionId, value);
  }

  private static String withoutField(String form, String field) {
    Map<String, String> fields = new LinkedHashMap<>(FakeSlack.decodeForm(form));
    fields.remove(field);
    return FakeSlack.form(fields);
  }

  private static HttpRequest signed(Ctx c, String body, String contentType) {
    return slack.signed(c.endpoint(), body, contentType);
  }

  private static HttpRequest signedWith(
      Ctx c, String body, String contentType, String secret, long timestamp) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return raw(
        c,
        body,
        contentType,
        Map.of(
            SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP, Long.toString(timestamp),
            SlackSignature.HeaderNames.X_SLACK_SIGNATURE,
                FakeSlack.signature(secret, timestamp, bytes)));
  }

  private static HttpRequest raw(
      Ctx c, String body, String contentType, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(c.endpoint())
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return b.build();
  }

  // ---------------------------------------------------------------- checks

  /** The text of an acknowledgement: a slash command's JSON {@code text}, or the plain body. */
  private static String ackText(HttpResponse<String> response) {
    String body = response.body();
    if (response.headers().firstValue("Content-Type").orElse("").startsWith(JSON)) {
      JsonNode json = FakeSlack.json(body);
      return json.path("text").asText(body);
    }
    return body;
  }

  /** A message a person reads: present, short enough, and no exception or stack frame in it. */
  private static void assertClear(String text) {
    assertThat(text)
        .as("message")
        .isNotNull()
        .hasSizeLessThan(4000)
        .doesNotContain("Exception", "at dev.", "java.", "\tat ", "<html", "Caused by");
  }

  /** The card posted for a request (its text and block texts), if posted. */
  private static Optional<String> card(String requestId) {
    return slack.calls("chat.postMessage").stream()
        .filter(m -> FakeSlack.CHANNEL.equals(m.get("channel")) && m.get("thread_ts") == null)
        .map(FakeSlack::shownText)
        .filter(t -> t.contains(requestId))
        .findFirst();
  }
}
