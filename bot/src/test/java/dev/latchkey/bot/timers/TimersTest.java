package dev.latchkey.bot.timers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ForwardingClusterAccess;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import dev.latchkey.core.timers.SettleDue;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TimersTest {
  private final TestRig rig = new TestRig().enabled();

  private static void settle(Timers timers) {
    await().atMost(Duration.ofSeconds(10)).until(timers::idle);
  }

  @Test
  void aPassThatThrowsAnErrorLeavesTheTimersRunningUnlessTheJvmItselfFails() {
    // The scheduler never runs a task again once it throws: these must not escape, or no access
    // would end.
    assertThatCode(
            () ->
                Timers.guarded(
                        "due",
                        () -> {
                          throw new StackOverflowError();
                        })
                    .run())
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                Timers.guarded(
                        "due",
                        () -> {
                          throw new NoClassDefFoundError("dev/latchkey/Missing");
                        })
                    .run())
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                Timers.guarded(
                        "due",
                        () -> {
                          throw new IllegalStateException("database closed");
                        })
                    .run())
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                Timers.guarded(
                        "due",
                        () -> {
                          throw new OutOfMemoryError("Java heap space");
                        })
                    .run())
        .isInstanceOf(OutOfMemoryError.class);
  }

  @Test
  void catchUpHandlesEverythingThatFellDueWhileStopped() {
    List<AccessRequest> active = List.of(rig.active(), rig.active(), rig.active());
    AccessRequest pending = rig.pending();
    rig.clock.advance(Duration.ofHours(3));
    AtomicInteger housekeeping = new AtomicInteger();
    try (Timers timers =
        new Timers(
            rig.core,
            List.of(Fixtures.PROD),
            Duration.ofMinutes(1),
            c -> true,
            List.of(housekeeping::incrementAndGet))) {

      timers.catchUp();

      assertThat(active)
          .allSatisfy(
              r -> {
                assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.EXPIRED);
                assertThat(rig.cluster.holds(r.id())).isFalse();
              });
      assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      timers.duePass();
      settle(timers);
      assertThat(housekeeping).hasValue(1);
    }
  }

  @Test
  void aReplicaThatDoesNotLeadLeavesEverythingToTheLeaderUntilItLeadsItself() {
    AccessRequest active = rig.active();
    AccessRequest pending = rig.pending();
    rig.clock.advance(Duration.ofHours(3));
    AtomicBoolean leads = new AtomicBoolean(false);
    AtomicInteger housekeeping = new AtomicInteger();
    try (Timers timers =
        new Timers(
            rig.core,
            List.of(Fixtures.PROD),
            Duration.ofMinutes(1),
            c -> true,
            List.of(housekeeping::incrementAndGet),
            leads::get)) {

      timers.catchUp();
      timers.duePass();
      timers.probeOwedClusters();
      settle(timers);

      assertThat(rig.get(active.id()).state()).isEqualTo(RequestState.ACTIVE);
      assertThat(rig.cluster.holds(active.id())).isTrue();
      assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.PENDING);
      assertThat(housekeeping).hasValue(0);

      leads.set(true); // the leader stopped; this replica was chosen
      timers.duePass();
      settle(timers);

      assertThat(rig.get(active.id()).state()).isEqualTo(RequestState.EXPIRED);
      assertThat(rig.cluster.holds(active.id())).isFalse();
      assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.TIMED_OUT);
      assertThat(housekeeping).hasValue(1);
    }
  }

  @Test
  void aLeaderThatStopsLeadingStopsBeforeItsNextClusterCallAndBatch() {
    List<AccessRequest> active = new java.util.ArrayList<>();
    for (int i = 0; i < SettleDue.DUE_BATCH * 2; i++) {
      active.add(rig.active());
    }
    rig.clock.advance(Duration.ofHours(3));
    AtomicInteger asked = new AtomicInteger();
    ExecutorService runners = Executors.newSingleThreadExecutor();
    try {
      // Leads when the first batch starts, and no longer once its records are settled.
      Lane lane = new Lane(Fixtures.PROD, rig.core, runners, () -> asked.incrementAndGet() <= 1);

      lane.drain();

      assertThat(active.stream().filter(r -> rig.get(r.id()).state() == RequestState.EXPIRED))
          .as("the first batch ended in the records, the second left to the next leader")
          .hasSize(SettleDue.DUE_BATCH);
      assertThat(active)
          .as("no cluster call after leadership ended: the removals are owed to the next leader")
          .allSatisfy(r -> assertThat(rig.cluster.holds(r.id())).isTrue());
    } finally {
      runners.shutdownNow();
    }
  }

  @Test
  void catchUpEndsAccessInTheRecordsEvenWhenTheClusterDoesNotAnswer() {
    AccessRequest r = rig.active();
    rig.clock.advance(Duration.ofHours(3));
    rig.cluster.setReachable(false);
    try (Timers timers =
        new Timers(
            rig.core, List.of(Fixtures.PROD), Duration.ofMinutes(1), c -> false, List.of())) {

      timers.catchUp();

      AccessRequest after = rig.get(r.id());
      assertThat(after.state()).isEqualTo(RequestState.EXPIRED);
      assertThat(after.revocationPending()).as("the removal waits for the cluster").isTrue();
      rig.cluster.setReachable(true);
      timers.duePass();
      settle(timers);
      assertThat(rig.cluster.holds(r.id())).isFalse();
    }
  }

  @Test
  void moreThanOneBatchOfExpiriesIsEndedAndRemovedWhetherOrNotTheClusterAnswers() {
    List<AccessRequest> active = new java.util.ArrayList<>();
    for (int i = 0; i < SettleDue.DUE_BATCH + 120; i++) {
      active.add(rig.active());
    }
    rig.clock.advance(Duration.ofHours(3));
    rig.cluster.setReachable(false);
    try (Timers timers =
        new Timers(
            rig.core, List.of(Fixtures.PROD), Duration.ofMinutes(1), c -> false, List.of())) {

      timers.catchUp(); // ends on its own, though nothing can be removed

      assertThat(active)
          .allSatisfy(r -> assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.EXPIRED));
      rig.cluster.setReachable(true);
      timers.duePass();
      settle(timers);
      assertThat(active)
          .allSatisfy(
              r -> {
                assertThat(rig.cluster.holds(r.id())).isFalse();
                assertThat(rig.get(r.id()).revocationPending()).isFalse();
              });
    }
  }

  @Test
  void aClusterThatAnswersAgainIsCleanedWithoutWaitingForTheBackoff() {
    AccessRequest r = rig.active();
    rig.cluster.setReachable(false);
    rig.clock.set(r.expiresAt().orElseThrow());
    AtomicBoolean answers = new AtomicBoolean(false);
    try (Timers timers =
        new Timers(
            rig.core,
            List.of(Fixtures.PROD),
            Duration.ofMinutes(1),
            c -> answers.get(),
            List.of())) {
      timers.duePass();
      settle(timers);
      assertThat(rig.get(r.id()).revocationPending()).isTrue();
      rig.clock.advance(Duration.ofSeconds(1)); // the next try is a backoff away

      timers.probeOwedClusters(); // still down: nothing moves
      settle(timers);
      timers.duePass();
      settle(timers);
      assertThat(rig.cluster.holds(r.id())).isTrue();

      rig.cluster.setReachable(true);
      answers.set(true);
      timers.probeOwedClusters();
      settle(timers);
      timers.duePass();
      settle(timers);
      assertThat(rig.cluster.holds(r.id())).isFalse();
      assertThat(rig.get(r.id()).revocationPending()).isFalse();
    }
  }

  @Test
  void aClusterThatHangsDelaysNoOtherCluster() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ClusterAccess hangsOnProd =
        new ForwardingClusterAccess(rig.cluster) {
          @Override
          public RemovalResult revoke(Footprint footprint) {
            if (footprint.cluster().equals(Fixtures.PROD)) {
              waitFor(release);
            }
            return super.revoke(footprint);
          }
        };
    UseCases service =
        UseCases.wire(
            new UseCases.Ports(
                Fixtures.customers(),
                rig.requests,
                rig.enablements,
                rig.audit,
                hangsOnProd,
                rig.notifier,
                rig.directory),
            rig.clock,
            new Random(3),
            RetryPolicy.DEFAULT);
    List<AccessRequest> onProd =
        List.of(rig.active(), rig.active(), rig.active(), rig.active(), rig.active());
    AccessRequest onStaging = activeOnStaging();
    rig.clock.advance(Duration.ofHours(2));
    try (Timers timers =
        new Timers(
            service,
            List.of(Fixtures.PROD, Fixtures.STAGING),
            Duration.ofMinutes(1),
            c -> true,
            List.of())) {

      timers.duePass();

      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                assertThat(rig.cluster.holds(onStaging.id()))
                    .as("staging cleaned while prod hangs")
                    .isFalse();
                assertThat(onProd)
                    .allSatisfy(
                        r ->
                            assertThat(rig.get(r.id()).state())
                                .as("ended in the records")
                                .isEqualTo(RequestState.EXPIRED));
              });
      assertThat(onProd).anySatisfy(r -> assertThat(rig.cluster.holds(r.id())).isTrue());
      release.countDown();
      settle(timers);
      assertThat(onProd).allSatisfy(r -> assertThat(rig.cluster.holds(r.id())).isFalse());
    } finally {
      release.countDown();
    }
  }

  @Test
  void removalsStuckOnAClusterDelayNoEndOfAccessOnIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ClusterAccess hangsOnRevoke =
        new ForwardingClusterAccess(rig.cluster) {
          @Override
          public RemovalResult revoke(Footprint footprint) {
            waitFor(release);
            return super.revoke(footprint);
          }
        };
    UseCases service =
        UseCases.wire(
            new UseCases.Ports(
                Fixtures.customers(),
                rig.requests,
                rig.enablements,
                rig.audit,
                hangsOnRevoke,
                rig.notifier,
                rig.directory),
            rig.clock,
            new Random(3),
            RetryPolicy.DEFAULT);
    AccessRequest first = rig.active();
    AccessRequest later =
        approve(
            rig.core
                .submit()
                .submit(
                    rig.submission(
                        Fixtures.PROD,
                        "readonly",
                        Optional.of(Duration.ofHours(2)),
                        List.of("web"))));
    rig.clock.advance(Duration.ofMinutes(61));
    try (Timers timers =
        new Timers(service, List.of(Fixtures.PROD), Duration.ofMinutes(1), c -> true, List.of())) {
      timers.duePass();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> rig.get(first.id()).state() == RequestState.EXPIRED);
      rig.clock.advance(Duration.ofHours(1)); // the lane is still waiting on the first removal

      timers.duePass();

      assertThat(rig.get(later.id()).state())
          .as("ended in the records, though its lane is stuck")
          .isEqualTo(RequestState.EXPIRED);
      assertThat(rig.cluster.holds(later.id())).isTrue();
      release.countDown();
      timers.duePass();
      settle(timers);
      assertThat(rig.cluster.holds(first.id())).isFalse();
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                timers.duePass();
                assertThat(rig.cluster.holds(later.id())).isFalse();
              });
    } finally {
      release.countDown();
    }
  }

  private AccessRequest approve(SubmitRequest.Result submitted) {
    AccessRequest r = ((SubmitRequest.Result.Submitted) submitted).request();
    return ((DecideRequest.Result.Approved)
            rig.core
                .decide()
                .decide(Decision.click(r.id(), Fixtures.APPROVER, Decision.Verdict.APPROVE)))
        .request();
  }

  private AccessRequest activeOnStaging() {
    return approve(
        rig.core
            .submit()
            .submit(
                rig.submission(
                    Fixtures.STAGING,
                    "readonly",
                    Optional.of(Duration.ofHours(1)),
                    List.of("web"))));
  }

  private static void waitFor(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
