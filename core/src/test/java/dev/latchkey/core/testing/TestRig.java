package dev.latchkey.core.testing;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AccessService;
import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.Customers;
import dev.latchkey.core.Outcome;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.Submission;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * An {@link AccessService} on in-memory fakes, with the fixtures' customer and both clusters
 * enabled.
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
  public final AccessService service;

  public TestRig() {
    this(Fixtures.customers());
  }

  public TestRig(Customers customers) {
    service =
        new AccessService(
            customers,
            requests,
            enablements,
            audit,
            cluster,
            notifier,
            directory,
            clock,
            new Random(42),
            RetryPolicy.DEFAULT);
  }

  /** Enables every role on both fixture clusters (as the customer's admin). */
  public TestRig enabled() {
    service.enable(Fixtures.PROD, Fixtures.ADMIN, Set.of("readonly", "operator", "admin"));
    service.enable(Fixtures.STAGING, Fixtures.ADMIN, Set.of("readonly", "operator"));
    return this;
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
    Outcome outcome =
        service.submit(
            submission(Fixtures.PROD, role, Optional.of(Duration.ofHours(1)), List.of()));
    return ((Outcome.Submitted) outcome).request();
  }

  /** A readonly request on prod approved and granted. */
  public AccessRequest active() {
    AccessRequest r = pending();
    Outcome outcome =
        service.approve(
            r.id(), Fixtures.APPROVER, dev.latchkey.core.DecisionMethod.BUTTON, java.util.Map.of());
    return ((Outcome.Approved) outcome).request();
  }

  public AccessRequest get(RequestId id) {
    return requests.find(id).orElseThrow();
  }

  public Actor.SlackUser requester() {
    return Fixtures.ENGINEER;
  }
}
