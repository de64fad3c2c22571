package dev.latchkey.core;

import java.time.Duration;

/**
 * How side effects are retried: a {@link Backoff} from {@code first} capped at {@code cap}; a grant
 * that cannot be made within {@code grantGiveUp} of its approval fails; a revocation is never given
 * up, and is announced as overdue after {@code overdueNotice}.
 */
public record RetryPolicy(
    Duration first, Duration cap, Duration grantGiveUp, Duration overdueNotice) {
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          Duration.ofSeconds(60));

  /**
   * The wait before attempt {@code attempts + 1}, after {@code attempts} failures (at least one).
   */
  public Duration backoff(int attempts) {
    return new Backoff(first, cap).after(Math.max(attempts, 1));
  }
}
