package dev.latchkey.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Requests shaped like Slack's own, signed as Slack signs them (v0: HMAC-SHA256 of {@code
 * v0:<ts>:<body>} in {@code X-Slack-Signature}, the timestamp in {@code
 * X-Slack-Request-Timestamp}): slash commands as a form body, button clicks as {@code
 * block_actions} JSON in the form field {@code payload}. Every request carries a fresh trigger id,
 * so none is mistaken for a repeated delivery.
 */
final class SlackRequests {
  static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  static final String BOT_TOKEN = "xoxb-1111-2222-bench";
  static final String CHANNEL = "C0SHARED";
  static final String CUSTOMER_TEAM = SlackStub.TEAM;
  static final String VENDOR_TEAM = "T0VENDOR";
  static final String REQUESTER = "U0ENGINEER";
  static final String APPROVER = "U0APPROVER1";
  static final String ADMIN = "U0ADMIN01";

  /** A user of the vendor's workspace: never an approver, whatever they click. */
  static final String OUTSIDER = "U0OUTSIDER";

  static final String APPROVE = "latchkey.approve";
  static final String DENY = "latchkey.deny";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ThreadLocal<Mac> MAC =
      ThreadLocal.withInitial(
          () -> {
            try {
              Mac mac = Mac.getInstance("HmacSHA256");
              mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
              return mac;
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException(e);
            }
          });

  private final URI endpoint;
  private final String responseBase;
  private final AtomicLong seq = new AtomicLong();

  /** {@code responseBase}: where response_url addresses point (the Slack stub). */
  SlackRequests(URI endpoint, String responseBase) {
    this.endpoint = endpoint;
    this.responseBase = responseBase;
  }

  /**
   * {@code /access <text>} typed by a user of {@code team}; its answers go to response_url
   * .../response/<tag>-n.
   */
  HttpRequest command(String user, String team, String text, String tag) {
    long n = seq.incrementAndGet();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("token", "legacy-verification-token");
    form.put("team_id", team);
    form.put("team_domain", "shared");
    form.put("channel_id", CHANNEL);
    form.put("channel_name", "acme-support");
    form.put("user_id", user);
    form.put("user_name", user.toLowerCase());
    form.put("command", "/access");
    form.put("text", text);
    form.put("api_app_id", "A0LATCHKEY");
    form.put("is_enterprise_install", "false");
    form.put("response_url", responseBase + "/response/" + tag + "-" + n);
    form.put("trigger_id", "13345224609.738474920.bench" + n);
    return signed(form(form));
  }

  /** A button click on a request card. */
  HttpRequest click(String user, String team, String actionId, String requestId) {
    long n = seq.incrementAndGet();
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "block_actions");
    ObjectNode u = p.putObject("user");
    u.put("id", user);
    u.put("username", user.toLowerCase());
    u.put("name", user.toLowerCase());
    u.put("team_id", team);
    p.put("api_app_id", "A0LATCHKEY");
    p.put("token", "legacy-verification-token");
    ObjectNode container = p.putObject("container");
    container.put("type", "message");
    container.put("message_ts", "1772442000.000100");
    container.put("channel_id", CHANNEL);
    container.put("is_ephemeral", false);
    p.put("trigger_id", "13345224609.738474920.click" + n);
    ObjectNode teamNode = p.putObject("team");
    teamNode.put("id", CUSTOMER_TEAM);
    teamNode.put("domain", "acme");
    p.putNull("enterprise");
    p.put("is_enterprise_install", false);
    ObjectNode channel = p.putObject("channel");
    channel.put("id", CHANNEL);
    channel.put("name", "acme-support");
    ObjectNode message = p.putObject("message");
    message.put("type", "message");
    message.put("ts", "1772442000.000100");
    message.put("text", "Access request");
    p.put("response_url", responseBase + "/response/action-" + n);
    ArrayNode actions = p.putArray("actions");
    ObjectNode action = actions.addObject();
    action.put("action_id", actionId);
    action.put("block_id", "latchkey.card." + requestId);
    ObjectNode text = action.putObject("text");
    text.put("type", "plain_text");
    text.put("text", actionId.equals(APPROVE) ? "Approve" : "Deny");
    action.put("value", requestId);
    action.put("type", "button");
    action.put("action_ts", "1772442010." + n);
    return signed(form(Map.of("payload", p.toString())));
  }

  HttpRequest signed(String body) {
    String ts = Long.toString(System.currentTimeMillis() / 1000);
    byte[] digest = MAC.get().doFinal(("v0:" + ts + ":" + body).getBytes(StandardCharsets.UTF_8));
    return HttpRequest.newBuilder(endpoint)
        .timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Slack-Request-Timestamp", ts)
        .header("X-Slack-Signature", "v0=" + HexFormat.of().formatHex(digest))
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
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
}
