package dev.latchkey.bot.timers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TimersTest {
  private final TestRig rig = new TestRig().enabled();

  @Test
  void catchUpHandlesEverythingThatFellDueWhileStopped() {
    List<AccessRequest> active = List.of(rig.active(), rig.active(), rig.active());
    AccessRequest pending = rig.pending();
    rig.clock.advance(Duration.ofHours(3));
    AtomicInteger housekeeping = new AtomicInteger();
    Timers timers = new Timers(rig.service, List.of(Fixtures.PROD), Duration.ofMinutes(1), c -> true,
        List.of(housekeeping::incrementAndGet));

    timers.catchUp();

    assertThat(active).allSatisfy(r -> {
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.cluster.holds(r.id())).isFalse();
    });
    assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.TIMED_OUT);
    timers.duePass();
    assertThat(housekeeping).hasValue(1);
  }

  @Test
  void aClusterThatAnswersAgainIsCleanedWithoutWaitingForTheBackoff() {
    AccessRequest r = rig.active();
    rig.cluster.setReachable(false);
    rig.clock.set(r.expiresAt().orElseThrow());
    AtomicBoolean answers = new AtomicBoolean(false);
    Timers timers = new Timers(rig.service, List.of(Fixtures.PROD), Duration.ofMinutes(1), c -> answers.get(),
        List.of());
    timers.duePass();
    for (int i = 0; i < 8; i++) { // fail long enough to be overdue, with the backoff at its 30 s cap
      rig.clock.set(rig.get(r.id()).nextAttemptAt().orElseThrow());
      timers.duePass();
    }
    assertThat(rig.service.overdueRevocations()).hasSize(1);
    rig.clock.advance(Duration.ofSeconds(1)); // the next try is still up to 30 s away

    timers.probeOwedClusters(); // still down: nothing moves
    timers.duePass();
    assertThat(rig.cluster.holds(r.id())).isTrue();

    rig.cluster.setReachable(true);
    answers.set(true);
    timers.probeOwedClusters();
    timers.duePass();
    assertThat(rig.cluster.holds(r.id())).isFalse();
    assertThat(rig.get(r.id()).revocationPending()).isFalse();
  }
}
