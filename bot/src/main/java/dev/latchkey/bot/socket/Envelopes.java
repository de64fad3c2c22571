package dev.latchkey.bot.socket;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.slack.api.bolt.App;
import com.slack.api.bolt.response.Response;
import com.slack.api.bolt.socket_mode.request.SocketModeRequest;
import com.slack.api.bolt.socket_mode.request.SocketModeRequestParser;
import com.slack.api.util.json.GsonFactory;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one Socket Mode envelope into the Bolt request HTTP mode would have received (Bolt's own
 * {@link SocketModeRequestParser}), runs it through the same {@link App} and handlers, and gives
 * back the acknowledgement to send: the envelope id, with the handler's answer as its payload (e.g.
 * a slash command's ephemeral reply), as Slack's Socket Mode expects.
 */
final class Envelopes {
  private static final Logger log = LoggerFactory.getLogger(Envelopes.class);
  private static final Gson GSON = GsonFactory.createSnakeCase();

  private final App app;
  private final SocketModeRequestParser parser;

  Envelopes(App app) {
    this.app = app;
    this.parser = new SocketModeRequestParser(app.config());
  }

  /**
   * The acknowledgement for {@code message}, or empty when none must be sent: the envelope has no
   * id, or the handler failed (then Slack delivers it again, as after an HTTP 500, and the
   * repeated-delivery guard keeps a second delivery from acting twice).
   */
  Optional<String> handle(String message) {
    Optional<String> envelopeId = envelopeId(message);
    if (envelopeId.isEmpty()) {
      return Optional.empty();
    }
    SocketModeRequest request;
    try {
      request = parser.parse(message);
    } catch (RuntimeException e) {
      log.info("malformed Socket Mode envelope {}: {}", envelopeId.get(), e.getClass().getName());
      return Optional.of(ack(envelopeId.get(), null));
    }
    if (request == null || request.getBoltRequest() == null) {
      // A type Latchkey does not serve: acknowledged, so Slack does not deliver it again.
      return Optional.of(ack(envelopeId.get(), null));
    }
    Response response;
    try {
      response = app.run(request.getBoltRequest());
    } catch (Exception e) {
      log.error("Socket Mode envelope {} could not be handled", envelopeId.get(), e);
      return Optional.empty();
    }
    if (response == null || response.getStatusCode() == null || response.getStatusCode() >= 500) {
      log.warn("Socket Mode envelope {} produced no answer", envelopeId.get());
      return Optional.empty();
    }
    if (response.getStatusCode() != 200) {
      // HTTP mode would answer e.g. 404 for an unknown action; here the envelope is acknowledged
      // so Slack stops delivering it, and nothing else is said.
      log.info("Socket Mode envelope {} answered {}", envelopeId.get(), response.getStatusCode());
      return Optional.of(ack(envelopeId.get(), null));
    }
    return Optional.of(ack(envelopeId.get(), payload(response)));
  }

  private static JsonElement payload(Response response) {
    String body = response.getBody();
    if (body == null || body.isEmpty()) {
      return null;
    }
    String type = response.getContentType();
    if (type != null && type.startsWith("application/json")) {
      try {
        return GSON.fromJson(body, JsonElement.class);
      } catch (JsonParseException e) {
        log.warn("a handler answered JSON that does not parse; acknowledged without it");
        return null;
      }
    }
    JsonObject text = new JsonObject();
    text.addProperty("text", body);
    return text;
  }

  static String ack(String envelopeId, JsonElement payload) {
    JsonObject ack = new JsonObject();
    ack.addProperty("envelope_id", envelopeId);
    if (payload != null && !payload.isJsonNull()) {
      ack.add("payload", payload);
    }
    return GSON.toJson(ack);
  }

  static Optional<String> envelopeId(String message) {
    return field(message, "envelope_id");
  }

  static Optional<String> type(String message) {
    return field(message, "type");
  }

  static Optional<String> field(String message, String name) {
    try {
      JsonElement json = GSON.fromJson(message, JsonElement.class);
      if (json != null && json.isJsonObject()) {
        JsonElement value = json.getAsJsonObject().get(name);
        if (value != null && value.isJsonPrimitive() && !value.getAsString().isBlank()) {
          return Optional.of(value.getAsString());
        }
      }
    } catch (JsonParseException | IllegalStateException e) {
      // not JSON: nothing to read
    }
    return Optional.empty();
  }
}
