package dev.latchkey.core.timers;

import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.testing.TestRig;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Removals that are overdue, and clusters that owe one. */
class RemovalWatchTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Nested
  class Overdue {
    @Test
    void accessTheTimersHaveNotEndedCountsAsOverdueAfterTheNoticePeriod() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().plusSeconds(59));
      assertThat(core.removals().overdue()).isEmpty();

      rig.clock.set(r.expiresAt().orElseThrow().plusSeconds(61));

      assertThat(core.removals().overdue()).extracting(AccessRequest::id).containsExactly(r.id());
    }

    @Test
    void clustersOwingARemovalAreProbedBeforeTheRemovalIsOverdue() {
      AccessRequest r = rig.active();
      rig.cluster.setReachable(false);
      core.revoke().revoke(r.id(), ENGINEER);
      assertThat(core.removals().overdue()).isEmpty();

      assertThat(core.removals().clustersOwing()).containsExactly(PROD);

      rig.cluster.setReachable(true);
      core.removals().retryNow(PROD);
      core.due().runAll();
      assertThat(core.removals().clustersOwing()).isEmpty();
      assertThat(rig.cluster.holds(r.id())).isFalse();
    }
  }
}
