package dev.latchkey.core.timers;

import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.DueReport;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.testing.TestRig;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Settling a batch of due requests in the records, whatever the store refuses. */
class SettleDueTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Nested
  class SettlingABatch {
    @Test
    void endsTimesOutAndRemindsWithoutTouchingTheClusterAndSkipsWhatMovedOn() {
      AccessRequest expiring = rig.active();
      AccessRequest revokedMeanwhile = rig.active();
      AccessRequest unanswered = rig.pending();
      rig.clock.set(
          unanswered.pendingExpiresAt().plusSeconds(1)); // past both accesses' hour and its two
      List<AccessRequest> due = rig.requests.findDue(rig.clock.instant(), 100);
      assertThat(due)
          .extracting(AccessRequest::id)
          .contains(expiring.id(), revokedMeanwhile.id(), unanswered.id());
      core.revoke().revoke(revokedMeanwhile.id(), ENGINEER); // after the batch was read
      int revokedEvents = rig.audit.actions(revokedMeanwhile.id()).size();

      int changed = core.settle().settle(due).handled();

      assertThat(rig.get(expiring.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.get(expiring.id()).revocationPending())
          .as("its removal follows in the cluster step")
          .isTrue();
      assertThat(rig.cluster.holds(expiring.id())).isTrue();
      assertThat(rig.get(unanswered.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(rig.get(revokedMeanwhile.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(rig.audit.actions(revokedMeanwhile.id())).hasSize(revokedEvents);
      assertThat(changed).isEqualTo(2);
      assertThat(rig.notifier.kinds()).contains("request.expired", "request.timed_out");

      core.due().runAll();
      assertThat(rig.cluster.holds(expiring.id())).isFalse();
      assertThat(rig.get(expiring.id()).revocationPending()).isFalse();
    }

    @Test
    void oneRequestTheStoreRefusesDoesNotKeepTheOthersAccessFromEnding() {
      AccessRequest unwritable = rig.active();
      AccessRequest healthy = rig.active();
      AccessRequest unanswered = rig.pending();
      rig.requests.refuseWrites(unwritable.id());
      rig.clock.set(unanswered.pendingExpiresAt().plusSeconds(1));

      DueReport report = core.settle().settleAll();

      assertThat(report.handled()).isEqualTo(2);
      assertThat(report.errors()).singleElement().asString().startsWith(unwritable.id() + ": ");
      assertThat(rig.get(healthy.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.get(unanswered.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(rig.get(unwritable.id()).state()).isEqualTo(RequestState.ACTIVE);

      // The same through a cluster's batch, then its cluster calls: the healthy grant is removed.
      core.settle().settle(core.due().dueOn(PROD));
      core.due().dueOn(PROD).forEach(r -> core.due().handle(r, true));
      assertThat(rig.cluster.holds(healthy.id())).isFalse();
    }

    @Test
    void manyRequestsTheStoreRefusesAheadOfTheOthersDoNotStopThem() {
      List<AccessRequest> unwritable =
          List.of(rig.active(), rig.active(), rig.active(), rig.active());
      AccessRequest healthy = rig.active();
      unwritable.forEach(r -> rig.requests.refuseWrites(r.id()));
      rig.clock.set(healthy.expiresAt().orElseThrow().plusSeconds(1));

      DueReport report = core.settle().settle(core.due().dueOn(PROD));

      assertThat(report.handled()).isEqualTo(1);
      assertThat(report.errors()).hasSize(4);
      assertThat(rig.get(healthy.id()).state()).isEqualTo(RequestState.EXPIRED);
    }

    @Test
    void aStoreThatDoesNotAnswerIsReportedAsAFailureNotAsAListOfRequests() {
      List<AccessRequest> active = List.of(rig.active(), rig.active(), rig.active(), rig.active());
      rig.clock.set(active.get(0).expiresAt().orElseThrow().plusSeconds(1));
      List<AccessRequest> due = core.due().dueOn(PROD);
      rig.requests.setDown(true);

      assertThatThrownBy(() -> core.settle().settle(due))
          .isInstanceOf(IllegalStateException.class)
          .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
      rig.requests.setDown(false);
      assertThat(active)
          .allSatisfy(r -> assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    }
  }
}
