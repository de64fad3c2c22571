package dev.latchkey.bot.slack;

import dev.latchkey.core.PlainText;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a written reply puts in the audit, in one place: its text up to {@value #MAX_AUDITED_CHARS}
 * characters and, when it is longer, its full length and the SHA-256 of the whole (UTF-8), so a
 * reply of Slack's maximum 40,000 characters, by anyone who writes in the thread, does not fill the
 * audit log, and the reply can still be matched to the message in Slack.
 */
final class ReplyText {
  static final int MAX_AUDITED_CHARS = 1_000;

  private ReplyText() {}

  /**
   * The audit details for a reply's text: {@code text}, and when cut {@code text_length}, {@code
   * text_sha256}.
   */
  static Map<String, String> audited(String text) {
    Map<String, String> details = new LinkedHashMap<>();
    // Invisible characters are recorded by name (<U+202E>); the cap applies to what is recorded.
    String shown = PlainText.escapeInvisible(text);
    int shownLength = shown.codePointCount(0, shown.length());
    if (shownLength <= MAX_AUDITED_CHARS) {
      details.put("text", shown);
      return details;
    }
    details.put("text", shown.substring(0, shown.offsetByCodePoints(0, MAX_AUDITED_CHARS)) + "…");
    details.put("text_length", Integer.toString(text.codePointCount(0, text.length())));
    details.put("text_sha256", sha256(text));
    return details;
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
