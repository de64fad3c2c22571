package dev.latchkey.bot.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.gson.Gson;
import com.slack.api.Slack;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.util.json.GsonFactory;
import com.slack.api.webhook.WebhookResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Answers through an interaction's {@code response_url}: a plain HTTP post, not a Web API method,
 * so it has a failure handling of its own (any 2xx is done, 429 and 5xx are tried again, at most
 * {@link SlackApi#ATTEMPTS} times).
 */
final class ResponseUrl {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Renders blocks for response_url answers; built once (building a Gson is costly), thread-safe.
   */
  private static final Gson BLOCKS = GsonFactory.createSnakeCase();

  private ResponseUrl() {}

  /** Posts the answer (ephemeral unless {@code inChannel}); the text is never logged. */
  static void respond(
      Slack slack,
      SlackCalls calls,
      String responseUrl,
      String text,
      List<LayoutBlock> blocks,
      boolean inChannel)
      throws SlackCallException {

    ObjectNode body = JSON.createObjectNode();
    body.put("response_type", inChannel ? "in_channel" : "ephemeral");
    body.put("replace_original", false);
    body.put("text", text);
    if (!blocks.isEmpty()) {
      try {
        ArrayNode array = (ArrayNode) JSON.readTree(BLOCKS.toJson(blocks));
        body.set("blocks", array);
      } catch (IOException e) {
        throw new SlackCallException(
            "response_url", "unrenderable blocks", false, Optional.empty());
      }
    }
    String payload = body.toString();
    SlackCallException last = null;
    for (int attempt = 1; attempt <= SlackApi.ATTEMPTS; attempt++) {
      try {
        WebhookResponse response = slack.send(responseUrl, payload);
        int code = response.getCode() == null ? 0 : response.getCode();
        if (code >= 200 && code < 300) {
          return;
        }
        last =
            new SlackCallException(
                "response_url", "http_" + code, code == 429 || code >= 500, Optional.empty());
        calls.report(last);
        if (!last.retryable()) {
          throw last;
        }
      } catch (IOException e) {
        last =
            new SlackCallException(
                "response_url", "io: " + e.getClass().getSimpleName(), true, Optional.empty());
        calls.report(last);
      }
      calls.pause(SlackCalls.BACKOFF.after(attempt), "response_url");
    }
    throw last;
  }
}
