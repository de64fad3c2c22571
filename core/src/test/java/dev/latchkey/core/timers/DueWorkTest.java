package dev.latchkey.core.timers;

import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The timers: time-outs, expiries, reminders and removals as they fall due. */
class DueWorkTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Test
  void accessExpiresAtTheInstantNotBefore() {
    AccessRequest r = rig.active();
    Instant expiry = r.expiresAt().orElseThrow();
    rig.clock.set(expiry.minusNanos(1));
    core.due().runAll();
    assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE);
    assertThat(rig.notifier.kinds()).contains("expiring_soon");
    rig.clock.set(expiry);
    core.due().runAll();
    AccessRequest expired = rig.get(r.id());
    assertThat(expired.state()).isEqualTo(RequestState.EXPIRED);
    assertThat(expired.grantPresent()).isFalse();
    assertThat(rig.cluster.holds(r.id())).isFalse();
    assertThat(rig.audit.count(AuditAction.REQUEST_EXPIRED)).isEqualTo(1);
    core.due().runAll();
    assertThat(rig.audit.count(AuditAction.REQUEST_EXPIRED)).isEqualTo(1);
  }

  @Test
  void theRequesterIsRemindedOnceFifteenMinutesBefore() {
    AccessRequest r = rig.active();
    rig.clock.set(r.expiresAt().orElseThrow().minus(Duration.ofMinutes(15)));
    core.due().runAll();
    core.due().runAll();
    assertThat(rig.notifier.kinds().stream().filter("expiring_soon"::equals)).hasSize(1);
  }

  @Test
  void anUnansweredRequestTimesOutAfterTwoHoursAndGrantsNothing() {
    AccessRequest r = rig.pending();
    rig.clock.advance(Duration.ofHours(2).minusNanos(1));
    core.due().runAll();
    assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    rig.clock.advance(Duration.ofNanos(1));
    core.due().runAll();
    assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.TIMED_OUT);
    assertThat(core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE)))
        .isInstanceOf(DecideRequest.Result.AlreadyDecided.class);
    assertThat(rig.cluster.granted()).isEmpty();
  }

  @Test
  void aFailedRemovalIsRetriedCappedAt30sAndAnnouncedWhenOverdue() {
    AccessRequest r = rig.active();
    rig.cluster.setReachable(false);
    rig.clock.set(r.expiresAt().orElseThrow());
    core.due().runAll();
    AccessRequest expired = rig.get(r.id());
    assertThat(expired.state()).isEqualTo(RequestState.EXPIRED);
    assertThat(expired.revocationPending()).isTrue();
    for (int i = 0; i < 10; i++) {
      rig.clock.set(rig.get(r.id()).nextAttemptAt().orElseThrow());
      core.due().runAll();
    }
    AccessRequest late = rig.get(r.id());
    Duration lastWait = Duration.between(rig.clock.instant(), late.nextAttemptAt().orElseThrow());
    assertThat(lastWait).isEqualTo(Duration.ofSeconds(30));
    assertThat(rig.notifier.kinds()).contains("revocation_overdue");
    assertThat(core.removals().overdue()).extracting(AccessRequest::id).containsExactly(r.id());
    assertThat(rig.audit.count(AuditAction.GRANT_REMOVAL_RETRY)).isEqualTo(1);

    rig.cluster.setReachable(true);
    core.removals().retryNow(PROD);
    core.due().runAll();
    assertThat(rig.get(r.id()).grantPresent()).isFalse();
    assertThat(rig.cluster.holds(r.id())).isFalse();
    assertThat(core.removals().overdue()).isEmpty();
    assertThat(rig.audit.count(AuditAction.REQUEST_EXPIRED)).isEqualTo(1);
  }
}
