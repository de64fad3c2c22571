package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void noWaitBeforeAFailureThenDoublingToTheCap() {
    Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(4));
    assertThat(
            List.of(-1, 0, 1, 2, 3, 4, 5, 6, 1000, Integer.MAX_VALUE).stream().map(backoff::after))
        .containsExactly(
            Duration.ZERO,
            Duration.ZERO,
            Duration.ofMillis(250),
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(4),
            Duration.ofSeconds(4),
            Duration.ofSeconds(4));
  }

  @Test
  void aCapBetweenTwoDoublingsIsReachedExactly() {
    Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    assertThat(backoff.after(5)).isEqualTo(Duration.ofSeconds(16));
    assertThat(backoff.after(6)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aHugeCapDoesNotOverflow() {
    Backoff backoff = new Backoff(Duration.ofNanos(1), Duration.ofDays(365 * 1000));
    assertThat(backoff.after(Integer.MAX_VALUE)).isEqualTo(Duration.ofDays(365 * 1000));
  }

  @Test
  void refusesAWaitOfNothingAndACapBelowTheFirstWait() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("above zero");
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be below");
  }
}
