package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Slack deliveries seen before: atomic across threads, kept across a restart, forgotten when old.
 */
class SeenDeliveriesTest extends EngineTest {
  final MutableClock clock = new MutableClock(T0);

  @Test
  void aKeyIsNewOnceAndSeenAfterwards() {
    try (Database db = engine.open(clock)) {
      SeenDeliveries seen = db.seenDeliveries();

      assertThat(seen.seenBefore("event:Ev0ONE", T0)).isFalse();
      assertThat(seen.seenBefore("event:Ev0ONE", T0.plusSeconds(1))).isTrue();
      assertThat(seen.seenBefore("event:Ev0TWO", T0)).isFalse();
      assertThat(seen.seenBefore("command:Ev0ONE", T0)).isFalse();
    }
  }

  @Test
  void whatWasSeenIsStillSeenAfterARestart() {
    try (Database db = engine.open(clock)) {
      assertThat(db.seenDeliveries().seenBefore("command:123.456.abc", T0)).isFalse();
    }
    try (Database db = engine.open(clock)) {
      assertThat(db.seenDeliveries().seenBefore("command:123.456.abc", T0)).isTrue();
    }
  }

  @Test
  void ofManyCallersWithOneKeyExactlyOneIsToldItIsNew() throws Exception {
    int callers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try (Database db = engine.open(clock)) {
      for (int round = 0; round < 5; round++) {
        String key = "action:trigger-" + round;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> answers = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
          Callable<Boolean> call =
              () -> {
                start.await();
                return db.seenDeliveries().seenBefore(key, T0);
              };
          answers.add(pool.submit(call));
        }
        start.countDown();
        int fresh = 0;
        for (Future<Boolean> answer : answers) {
          fresh += answer.get() ? 0 : 1;
        }
        assertThat(fresh).as(key).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void keysOlderThanTheCutoffAreForgotten() {
    try (Database db = engine.open(clock)) {
      SeenDeliveries seen = db.seenDeliveries();
      seen.seenBefore("event:old", T0);
      seen.seenBefore("event:young", T0.plus(Duration.ofMinutes(10)));

      assertThat(seen.forgetBefore(T0.plus(Duration.ofMinutes(5)))).isEqualTo(1);

      assertThat(seen.seenBefore("event:young", T0)).isTrue();
      assertThat(seen.seenBefore("event:old", T0.plus(Duration.ofMinutes(20)))).isFalse();
      assertThat(seen.forgetBefore(T0)).isZero();
    }
  }

  @Test
  void keysMustBeShortAndStorable() {
    try (Database db = engine.open(clock)) {
      SeenDeliveries seen = db.seenDeliveries();
      assertThatThrownBy(() -> seen.seenBefore("", T0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> seen.seenBefore("x".repeat(201), T0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> seen.seenBefore("a\u0000b", T0))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("NUL");
      assertThat(seen.seenBefore("x".repeat(200), T0)).isFalse();
    }
  }
}
