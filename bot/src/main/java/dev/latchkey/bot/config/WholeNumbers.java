package dev.latchkey.bot.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A whole number from the environment, within its bounds, or a problem that names the variable. */
final class WholeNumbers {
  private WholeNumbers() {}

  /**
   * The value of {@code key}, {@code fallback} when it is unset; when it is not a whole number from
   * {@code min} to {@code max}, {@code fallback} and a problem saying it must be {@code what}.
   */
  static int within(
      Map<String, String> env,
      String key,
      int min,
      int max,
      int fallback,
      String what,
      List<String> problems) {
    Optional<String> text =
        Optional.ofNullable(env.get(key)).map(String::strip).filter(v -> !v.isEmpty());
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text.get());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(
        key + " must be " + what + " from " + min + " to " + max + " (got " + text.get() + ")");
    return fallback;
  }
}
