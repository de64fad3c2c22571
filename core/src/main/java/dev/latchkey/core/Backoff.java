package dev.latchkey.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Exponential backoff, the one every retry in Latchkey uses with values of its own: no wait before
 * any failure, {@code first} after one, doubling with each further failure in a row, never more
 * than {@code cap}.
 */
public record Backoff(Duration first, Duration cap) {
  public Backoff {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(cap, "cap");
    if (first.isNegative() || first.isZero()) {
      throw new IllegalArgumentException("a backoff's first wait must be above zero: " + first);
    }
    if (cap.compareTo(first) < 0) {
      throw new IllegalArgumentException(
          "a backoff's cap (" + cap + ") must not be below its first wait (" + first + ")");
    }
  }

  /** The wait after {@code failures} failures in a row. */
  public Duration after(int failures) {
    if (failures <= 0) {
      return Duration.ZERO;
    }
    Duration wait = first;
    // Stops doubling at the cap, so no failure count overflows.
    for (int i = 1; i < failures && wait.compareTo(cap) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(cap) > 0 ? cap : wait;
  }
}
