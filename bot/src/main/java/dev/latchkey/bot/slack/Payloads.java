package dev.latchkey.bot.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the parts of Slack's payloads that Bolt's typed models leave out or type loosely (e.g.
 * {@code user.id} and {@code trigger_id} of an interaction). Never throws on bad input: missing
 * means empty.
 */
final class Payloads {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Payloads() {}

  /**
   * The fields of an {@code application/x-www-form-urlencoded} body; the first value of each name
   * wins.
   */
  static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    if (body == null || body.isEmpty()) {
      return out;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.putIfAbsent(
            URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // a malformed %-escape: skip the field
      }
    }
    return out;
  }

  /**
   * The JSON of an interaction: the {@code payload} form field over HTTP, the body itself in Socket
   * Mode (where Bolt keeps the envelope's payload as the request body).
   */
  static JsonNode interaction(String body) {
    if (body != null && body.stripLeading().startsWith("{")) {
      return json(body);
    }
    return json(form(body).get("payload"));
  }

  static JsonNode json(String text) {
    if (text == null || text.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      JsonNode node = JSON.readTree(text);
      return node == null ? MissingNode.getInstance() : node;
    } catch (java.io.IOException e) {
      return MissingNode.getInstance();
    }
  }

  /** A non-blank text at a JSON path such as {@code user/team_id}. */
  static Optional<String> text(JsonNode node, String path) {
    JsonNode at = node.at("/" + path);
    return at.isTextual() && !at.asText().isBlank() ? Optional.of(at.asText()) : Optional.empty();
  }
}
