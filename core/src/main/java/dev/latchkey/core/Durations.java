package dev.latchkey.core;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the durations people type: {@code 30m}, {@code 2h}, {@code 1h30m}, {@code 1d}.
 */
public final class Durations {
  private static final Pattern FORM =
      Pattern.compile("(?:(\\d{1,9})d)?(?:(\\d{1,9})h)?(?:(\\d{1,9})m)?");

  private Durations() {}

  /**
   * Empty unless the text is a positive whole number of days, hours and/or minutes, in that order.
   */
  public static Optional<Duration> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    Matcher m = FORM.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return Optional.empty();
    }
    long minutes = 0;
    minutes += part(m.group(1)) * 24 * 60;
    minutes += part(m.group(2)) * 60;
    minutes += part(m.group(3));
    return minutes > 0 ? Optional.of(Duration.ofMinutes(minutes)) : Optional.empty();
  }

  private static long part(String digits) {
    return digits == null ? 0 : Long.parseLong(digits);
  }

  /** {@code 8h}, {@code 1h30m}, {@code 45m}, {@code 2d}. */
  public static String format(Duration duration) {
    long minutes = Math.max(0, duration.toMinutes());
    long days = minutes / (24 * 60);
    long hours = (minutes / 60) % 24;
    long rest = minutes % 60;
    StringBuilder out = new StringBuilder();
    if (days > 0) {
      out.append(days).append('d');
    }
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (rest > 0 || out.isEmpty()) {
      out.append(rest).append('m');
    }
    return out.toString();
  }
}
