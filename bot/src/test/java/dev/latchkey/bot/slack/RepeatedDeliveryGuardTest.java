package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The guard against repeated deliveries: its log, its memory, its pruning and its keys. */
class RepeatedDeliveryGuardTest {
  private final MutableClock wall = MutableClock.at("2026-03-02T09:00:00Z");

  @Test
  void whatTheLogSawBeforeIsRepeatedEvenWhenThisProcessNeverSawIt() {
    DeliveryLog shared = DeliveryLog.inMemory();
    shared.seenBefore("event:Ev0BEFORE", wall.instant());

    RepeatedDeliveryGuard guard = new RepeatedDeliveryGuard(shared, wall);

    assertThat(guard.repeatedEvent("Ev0BEFORE")).isTrue();
    assertThat(guard.repeatedEvent("Ev0NEW")).isFalse();
    assertThat(guard.repeatedEvent("Ev0NEW")).isTrue();
  }

  @Test
  void aLogThatCannotAnswerLeavesThisProcessesMemory() {
    AtomicInteger asked = new AtomicInteger();
    DeliveryLog broken =
        DeliveryLog.of(
            (key, at) -> {
              asked.incrementAndGet();
              throw new IllegalStateException("permission denied for table seen_deliveries");
            },
            cutoff -> 0);
    RepeatedDeliveryGuard guard = new RepeatedDeliveryGuard(broken, wall);

    assertThat(guard.repeatedEvent("Ev0ONE")).isFalse();
    assertThat(guard.repeatedEvent("Ev0ONE")).isTrue();
    assertThat(asked).hasValue(1);
  }

  @Test
  void keysOlderThanTheWindowArePrunedAtMostOnceAMinute() {
    List<Instant> cutoffs = new ArrayList<>();
    DeliveryLog memory = DeliveryLog.inMemory();
    DeliveryLog log =
        DeliveryLog.of(
            memory::seenBefore,
            cutoff -> {
              cutoffs.add(cutoff);
              return memory.forgetBefore(cutoff);
            });
    RepeatedDeliveryGuard guard = new RepeatedDeliveryGuard(log, wall);

    guard.repeatedEvent("Ev0A");
    wall.advance(Duration.ofSeconds(30));
    guard.repeatedEvent("Ev0B");
    wall.advance(Duration.ofSeconds(31));
    guard.repeatedEvent("Ev0C");

    assertThat(cutoffs)
        .containsExactly(
            Instant.parse("2026-03-02T08:45:00Z"), Instant.parse("2026-03-02T08:46:01Z"));
  }

  @Test
  void keysAreStoredAsTheyAreWhenPlainAndHashedOtherwise() {
    assertThat(RepeatedDeliveryGuard.storable("command:13345224609.738474920.abc"))
        .isEqualTo("command:13345224609.738474920.abc");
    assertThat(RepeatedDeliveryGuard.storable("signature:v0=" + "a".repeat(64)))
        .isEqualTo("signature:v0=" + "a".repeat(64));
    assertThat(RepeatedDeliveryGuard.storable("action:" + "x".repeat(500)))
        .matches("action#[0-9a-f]{64}");
    assertThat(RepeatedDeliveryGuard.storable("event:a\u0000b")).matches("event#[0-9a-f]{64}");
  }
}
