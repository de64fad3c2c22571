package dev.latchkey.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.FakeApproverDirectory;
import dev.latchkey.core.testing.FakeClusterAccess;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.core.testing.RecordingNotifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many approvers click at once on one pending request, through the real {@link AccessService} on an
 * H2 file: exactly one decision, recorded exactly once.
 */
class ApprovalRaceTest extends EngineTest {
  private static final int THREADS = 50;

  final MutableClock clock = MutableClock.at("2026-03-02T09:00:00.000000001Z");
  final FakeClusterAccess cluster = new FakeClusterAccess();
  final List<Actor.SlackUser> approvers =
      IntStream.range(0, THREADS)
          .mapToObj(
              i -> new Actor.SlackUser(Fixtures.CUSTOMER_TEAM, String.format("U0APPR%02d", i)))
          .toList();
  Database db;
  UseCases service;
  ExecutorService pool;

  @BeforeEach
  void wire() {
    db = engine.open(clock);
    Customer acme =
        new Customer(
            Fixtures.ACME,
            Fixtures.CUSTOMER_TEAM,
            Fixtures.CHANNEL,
            Set.copyOf(approvers.stream().map(Actor.SlackUser::userId).toList()),
            Optional.empty(),
            Set.of(Fixtures.ADMIN.userId()),
            Map.<String, ClusterPolicy>of("prod", Fixtures.prod()));
    service =
        UseCases.wire(
            new UseCases.Ports(
                Customers.of(List.of(acme)),
                db.requests(),
                db.enablements(),
                db.audit(),
                cluster,
                new RecordingNotifier(),
                new FakeApproverDirectory()),
            clock,
            new Random(7),
            RetryPolicy.DEFAULT);
    db.enablements()
        .save(
            new ClusterEnablement(
                Fixtures.PROD,
                true,
                Set.of("readonly", "admin"),
                Optional.of(clock.instant()),
                Optional.of(Fixtures.ADMIN)),
            new AuditEvent(
                clock.instant(),
                Fixtures.ADMIN,
                Optional.of(Fixtures.ACME),
                Optional.empty(),
                AuditAction.CLUSTER_ENABLED,
                AuditResult.OK,
                Map.of("cluster", "prod", "roles", "admin,readonly")));
    pool = Executors.newFixedThreadPool(THREADS);
  }

  @AfterEach
  void close() {
    pool.shutdownNow();
    db.close();
  }

  @Test
  void approversAndDeniersRacingOnOneRequestMakeExactlyOneDecision() throws Exception {
    for (int round = 0; round < 3; round++) {
      AccessRequest pending = submit("readonly");
      List<Object> outcomes =
          race(
              i ->
                  i % 2 == 0
                      ? () ->
                          service
                              .decide()
                              .decide(
                                  Decision.click(
                                      pending.id(), approvers.get(i), Decision.Verdict.APPROVE))
                      : () ->
                          service
                              .decide()
                              .decide(
                                  Decision.click(
                                      pending.id(), approvers.get(i), Decision.Verdict.DENY)));

      AccessRequest decided = db.requests().find(pending.id()).orElseThrow();
      List<AuditAction> actions = actions(pending);
      long approved =
          outcomes.stream().filter(o -> o instanceof DecideRequest.Result.Approved).count();
      long denied = outcomes.stream().filter(o -> o instanceof DecideRequest.Result.Denied).count();
      assertThat(approved + denied).as("decisions").isEqualTo(1);
      assertThat(outcomes)
          .allMatch(
              o ->
                  o instanceof DecideRequest.Result.Approved
                      || o instanceof DecideRequest.Result.Denied
                      || o instanceof DecideRequest.Result.AlreadyDecided);
      assertThat(
              actions.stream()
                  .filter(
                      a -> a == AuditAction.REQUEST_APPROVED || a == AuditAction.REQUEST_DENIED))
          .as("decision events")
          .hasSize(1);
      if (approved == 1) {
        assertThat(decided.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(decided.approvals()).hasSize(1);
        assertThat(actions)
            .containsExactly(
                AuditAction.REQUEST_SUBMITTED,
                AuditAction.APPROVAL_GIVEN,
                AuditAction.REQUEST_APPROVED,
                AuditAction.GRANT_CREATED);
        assertThat(cluster.granted()).filteredOn(g -> g.id().equals(pending.id())).hasSize(1);
      } else {
        assertThat(decided.state()).isEqualTo(RequestState.DENIED);
        assertThat(decided.approvals()).isEmpty();
        assertThat(actions)
            .containsExactly(AuditAction.REQUEST_SUBMITTED, AuditAction.REQUEST_DENIED);
        assertThat(cluster.granted()).noneMatch(g -> g.id().equals(pending.id()));
      }
    }
    assertThat(db.audit().verify()).isInstanceOf(ChainCheck.Intact.class);
  }

  @Test
  void aRoleNeedingTwoApprovalsIsApprovedOnceByTwoDistinctApprovers() throws Exception {
    for (int round = 0; round < 3; round++) {
      AccessRequest pending = submit("admin");
      // Ten approvers, each clicking five times.
      List<Object> outcomes =
          race(
              i ->
                  () ->
                      service
                          .decide()
                          .decide(
                              Decision.click(
                                  pending.id(), approvers.get(i % 10), Decision.Verdict.APPROVE)));

      AccessRequest decided = db.requests().find(pending.id()).orElseThrow();
      List<AuditAction> actions = actions(pending);
      assertThat(outcomes.stream().filter(o -> o instanceof DecideRequest.Result.Approved))
          .hasSize(1);
      assertThat(outcomes)
          .allMatch(
              o ->
                  o instanceof DecideRequest.Result.Approved
                      || o instanceof DecideRequest.Result.AlreadyDecided
                      || o instanceof DecideRequest.Result.AwaitingMoreApprovals);
      assertThat(decided.state()).isEqualTo(RequestState.ACTIVE);
      assertThat(decided.approvals()).hasSize(2);
      assertThat(decided.approvals().stream().map(Approval::approver).distinct()).hasSize(2);
      assertThat(decided.decidedBy()).contains(decided.approvals().get(1).approver());
      assertThat(actions)
          .containsExactly(
              AuditAction.REQUEST_SUBMITTED,
              AuditAction.APPROVAL_GIVEN,
              AuditAction.APPROVAL_GIVEN,
              AuditAction.REQUEST_APPROVED,
              AuditAction.GRANT_CREATED);
      assertThat(cluster.granted()).filteredOn(g -> g.id().equals(pending.id())).hasSize(1);
    }
    ChainCheck check = db.audit().verify();
    assertThat(check).isInstanceOf(ChainCheck.Intact.class);
  }

  private AccessRequest submit(String role) {
    var outcome =
        service
            .submit()
            .submit(
                new Submission(
                    Fixtures.ACME,
                    "prod",
                    role,
                    Optional.of(Duration.ofHours(1)),
                    List.of(),
                    Fixtures.REQUESTER,
                    "INC-1234 pods crash-looping"));
    assertThat(outcome).isInstanceOf(SubmitRequest.Result.Submitted.class);
    return ((SubmitRequest.Result.Submitted) outcome).request();
  }

  /** Runs one task per thread, all released at once by a start gate. */
  private List<Object> race(java.util.function.IntFunction<Callable<DecideRequest.Result>> task)
      throws Exception {
    CountDownLatch ready = new CountDownLatch(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<DecideRequest.Result>> futures = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      Callable<DecideRequest.Result> work = task.apply(i);
      futures.add(
          pool.submit(
              () -> {
                ready.countDown();
                start.await();
                return work.call();
              }));
    }
    assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
    start.countDown();
    List<Object> outcomes = new ArrayList<>();
    for (Future<DecideRequest.Result> f : futures) {
      outcomes.add(f.get(30, TimeUnit.SECONDS));
    }
    return outcomes;
  }

  private List<AuditAction> actions(AccessRequest r) {
    return db.audit().forRequest(r.id()).stream()
        .map(StoredAuditEvent::event)
        .map(AuditEvent::action)
        .toList();
  }
}
