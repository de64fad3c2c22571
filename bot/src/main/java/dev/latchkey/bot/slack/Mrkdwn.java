package dev.latchkey.bot.slack;

import dev.latchkey.core.PlainText;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Slack's mrkdwn, written safely. Everything a person typed goes through {@link #escape}, so {@code
 * <!channel>}, {@code <@U123>} or {@code <http://x|y>} in a reason show as text instead of pinging
 * or linking, and an invisible or direction-changing character shows as its name. Mentions and
 * dates are built only from ids and instants Latchkey holds, never from typed text.
 */
public final class Mrkdwn {
  private static final Pattern SLACK_ID = Pattern.compile("[A-Z0-9]{2,32}");
  private static final DateTimeFormatter FALLBACK =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Mrkdwn() {}

  /**
   * Escapes the three characters Slack gives meaning to: {@code &}, {@code <} and {@code >}; and
   * shows invisible or direction-changing characters ({@code U+202E}, {@code U+200B} …) by name, as
   * {@code <U+202E>}, so they can neither hide text nor turn it around.
   */
  public static String escape(String raw) {
    if (raw == null || raw.isEmpty()) {
      return "";
    }
    String text = PlainText.escapeInvisible(raw);
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * A user mention; the id must look like a Slack id (it comes from Slack or the store, never
   * typed).
   */
  public static String user(String userId) {
    if (userId == null || !SLACK_ID.matcher(userId).matches()) {
      return escape(String.valueOf(userId));
    }
    return "<@" + userId + ">";
  }

  /** A channel link. */
  public static String channel(String channelId) {
    if (channelId == null || !SLACK_ID.matcher(channelId).matches()) {
      return escape(String.valueOf(channelId));
    }
    return "<#" + channelId + ">";
  }

  /**
   * An instant shown in the reader's own time zone, with a UTC fallback for clients that cannot.
   */
  public static String date(Instant at) {
    return "<!date^"
        + at.getEpochSecond()
        + "^{date_short_pretty} {time}|"
        + FALLBACK.format(at)
        + ">";
  }

  /** The UTC form, for plain-text places (notifications, fallback text). */
  public static String plainDate(Instant at) {
    return FALLBACK.format(at);
  }

  /** Inline code for a value Latchkey produced (ids, cluster and role names); escaped anyway. */
  public static String code(String text) {
    return "`" + escape(text).replace('`', '\'') + "`";
  }

  /**
   * Cuts already escaped text to at most {@code max} characters, never inside an entity ({@code
   * &amp;}) or a surrogate pair, ending with an ellipsis when cut.
   */
  public static String truncate(String escaped, int max) {
    if (escaped.length() <= max) {
      return escaped;
    }
    int end = Math.max(0, max - 1);
    int amp = escaped.lastIndexOf('&', end);
    if (amp >= 0 && amp > end - 6) {
      int semi = escaped.indexOf(';', amp);
      if (semi < 0 || semi >= end) {
        end = amp;
      }
    }
    if (end > 0 && Character.isHighSurrogate(escaped.charAt(end - 1))) {
      end--;
    }
    return escaped.substring(0, end) + "…";
  }
}
