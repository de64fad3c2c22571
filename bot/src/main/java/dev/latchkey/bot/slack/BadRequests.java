package dev.latchkey.bot.slack;

import com.slack.api.bolt.response.Response;
import java.util.HashMap;

/** Short plain-text answers to payloads Slack would never send (missing or malformed fields). */
final class BadRequests {
  private BadRequests() {}

  static Response of(String message) {
    return text(400, message);
  }

  static Response text(int status, String message) {
    return Response.builder()
        .statusCode(status)
        .contentType("text/plain; charset=utf-8")
        .headers(new HashMap<>())
        .body(message + "\n")
        .build();
  }
}
