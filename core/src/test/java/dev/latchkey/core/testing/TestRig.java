package dev.latchkey.core.testing;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ForwardingClusterAccess;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The core's use cases on in-memory fakes, with the fixtures' customer ({@link #enabled()} turns on
 * both clusters).
 */
public final class TestRig {
  public final MutableClock clock = MutableClock.at("2026-03-02T09:00:00Z");
  public final InMemoryAuditLog audit = new InMemoryAuditLog();
  public final InMemoryRequestStore requests = new InMemoryRequestStore(audit);
  public final InMemoryEnablementStore enablements = new InMemoryEnablementStore(audit);
  public final FakeClusterAccess cluster = new FakeClusterAccess();
  public final RecordingNotifier notifier = new RecordingNotifier();
  public final FakeApproverDirectory directory =
      new FakeApproverDirectory().member(Fixtures.APPROVER_GROUP, Fixtures.GROUP_APPROVER.userId());
  public final UseCases core;

  public TestRig() {
    this(Fixtures.customers());
  }

  public TestRig(Customers customers) {
    core = wire(customers, cluster, new Random(42));
  }

  /**
   * The use cases over this rig's stores and cluster, with another configuration, cluster view
   * (e.g. one that interrupts grants) or random source.
   */
  public UseCases wire(Customers customers, ClusterAccess clusterView, Random random) {
    return wire(customers, clusterView, notifier, random);
  }

  /** The same, telling {@code notifierView} (e.g. one that acts when it hears of a change). */
  public UseCases wire(
      Customers customers, ClusterAccess clusterView, Notifier notifierView, Random random) {
    return UseCases.wire(
        new UseCases.Ports(
            customers, requests, enablements, audit, clusterView, notifierView, directory),
        clock,
        random,
        RetryPolicy.DEFAULT);
  }

  /**
   * The use cases over this rig's stores and cluster, with prod changed by {@code change} and the
   * listed approvers {@code approverIds}.
   */
  public UseCases withProd(
      java.util.function.UnaryOperator<ClusterPolicy> change, Set<String> approverIds) {
    Map<String, ClusterPolicy> clusters = new java.util.LinkedHashMap<>();
    clusters.put("prod", change.apply(Fixtures.prod()));
    clusters.put("staging", Fixtures.staging());
    Customer acme =
        new Customer(
            Fixtures.ACME,
            Fixtures.CUSTOMER_TEAM,
            Fixtures.CHANNEL,
            approverIds,
            Optional.of(Fixtures.APPROVER_GROUP),
            Set.of("U0ADMIN"),
            clusters);
    return wire(Customers.of(List.of(acme)), cluster, new Random(7));
  }

  /**
   * The use cases over a cluster that lets something else happen during each grant, then answers
   * {@code answer}.
   */
  public UseCases interrupted(
      java.util.function.Consumer<ClusterAccess.Grant> meanwhile,
      java.util.function.Function<ClusterAccess.Grant, ClusterAccess.GrantResult> answer) {
    ClusterAccess view =
        new ForwardingClusterAccess(cluster) {
          @Override
          public GrantResult grant(Grant grant) {
            meanwhile.accept(grant);
            return answer.apply(grant);
          }
        };
    return wire(Fixtures.customers(), view, new Random(9));
  }

  /** Submits as the fixtures' requester; {@code duration} as typed (e.g. {@code 1h}), or null. */
  public SubmitRequest.Result submit(
      ClusterRef cluster, String role, String duration, List<String> ns, String reason) {
    return core.submit()
        .submit(
            new Submission(
                cluster.customer(),
                cluster.name(),
                role,
                Optional.ofNullable(duration)
                    .map(d -> dev.latchkey.core.Durations.parse(d).orElseThrow()),
                ns,
                Fixtures.REQUESTER,
                reason));
  }

  /** Enables every role on both fixture clusters (as the customer's admin). */
  public TestRig enabled() {
    core.enable().enable(Fixtures.PROD, Fixtures.ADMIN, Set.of("readonly", "operator", "admin"));
    core.enable().enable(Fixtures.STAGING, Fixtures.ADMIN, Set.of("readonly", "operator"));
    return this;
  }

  /** An approver's click on Approve. */
  public DecideRequest.Result approve(RequestId id, Actor.SlackUser approver) {
    return core.decide().decide(Decision.click(id, approver, Decision.Verdict.APPROVE));
  }

  /** An approver's click on Deny. */
  public DecideRequest.Result deny(RequestId id, Actor.SlackUser approver) {
    return core.decide().decide(Decision.click(id, approver, Decision.Verdict.DENY));
  }

  /** A decision made earlier than it reaches Latchkey, with details to record. */
  public DecideRequest.Result decide(
      RequestId id,
      Actor.SlackUser approver,
      Decision.Verdict verdict,
      DecisionMethod method,
      Map<String, String> details,
      Optional<Instant> madeAt) {
    return core.decide()
        .decide(new Decision(id, approver, verdict, method, details, madeAt, Optional.empty()));
  }

  public Submission submission(
      ClusterRef cluster, String role, Optional<Duration> duration, List<String> ns) {
    return new Submission(
        cluster.customer(),
        cluster.name(),
        role,
        duration,
        ns,
        Fixtures.REQUESTER,
        "INC-1234 pods crash-looping");
  }

  /** Submits readonly on prod for 1 h and returns the pending request. */
  public AccessRequest pending() {
    return pending("readonly");
  }

  public AccessRequest pending(String role) {
    SubmitRequest.Result outcome =
        core.submit()
            .submit(submission(Fixtures.PROD, role, Optional.of(Duration.ofHours(1)), List.of()));
    return ((SubmitRequest.Result.Submitted) outcome).request();
  }

  /** A readonly request on prod approved and granted. */
  public AccessRequest active() {
    AccessRequest r = pending();
    return ((DecideRequest.Result.Approved) approve(r.id(), Fixtures.APPROVER)).request();
  }

  public AccessRequest get(RequestId id) {
    return requests.find(id).orElseThrow();
  }

  public Actor.SlackUser requester() {
    return Fixtures.ENGINEER;
  }

  /** A readonly request on prod in the given state, as the service would have left it. */
  public AccessRequest inState(RequestState state) {
    AccessRequest pending = pending();
    if (state == RequestState.PENDING) {
      return pending;
    }
    if (state == RequestState.ACTIVE) {
      return active();
    }
    Instant now = clock.instant();
    AccessRequest shaped =
        switch (state) {
          case APPROVED ->
              pending
                  .withState(RequestState.APPROVED)
                  .withDecision(now, Fixtures.APPROVER)
                  .withExpiresAt(now.plus(pending.duration()))
                  .withGrantPresent(true)
                  .withRetry(0, Optional.of(now));
          case EXPIRED, REVOKED ->
              pending
                  .withState(state)
                  .withDecision(now, Fixtures.APPROVER)
                  .withGrantedAt(now)
                  .withExpiresAt(now.plus(pending.duration()))
                  .withEnd(now, Actor.SYSTEM);
          default -> pending.withState(state).withEnd(now, Actor.SYSTEM);
        };
    requests.put(shaped.withVersion(pending.version() + 1));
    return shaped;
  }
}
