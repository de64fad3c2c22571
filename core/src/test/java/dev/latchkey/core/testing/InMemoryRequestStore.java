package dev.latchkey.core.testing;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.session.GrantStanding;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** A request store in a map with the same conditional-update contract as the real one. */
public final class InMemoryRequestStore implements RequestStore {
  private final Map<RequestId, AccessRequest> rows = new LinkedHashMap<>();
  private final InMemoryAuditLog audit;
  private final Set<RequestId> unwritable = new HashSet<>();
  private boolean down;
  private boolean standingsInMemory;
  private int standingReads;

  public InMemoryRequestStore(InMemoryAuditLog audit) {
    this.audit = audit;
  }

  @Override
  public synchronized void insert(AccessRequest request, List<AuditEvent> events) {
    if (rows.putIfAbsent(request.id(), request.withVersion(0)) != null) {
      throw new IllegalStateException("duplicate id " + request.id());
    }
    audit.appendAll(events);
  }

  @Override
  public synchronized Optional<AccessRequest> find(RequestId id) {
    failIfDown();
    return Optional.ofNullable(rows.get(id));
  }

  /**
   * From now on, standings are also answered from memory, as a store that alone writes its records
   * answers them (the gateway then decides without a worker); not while down.
   */
  public synchronized void answerStandingsInMemory() {
    standingsInMemory = true;
  }

  @Override
  public synchronized Optional<GrantStanding> standingInMemory(RequestId id) {
    return standingsInMemory && !down
        ? Optional.ofNullable(rows.get(id)).map(GrantStanding::of)
        : Optional.empty();
  }

  @Override
  public synchronized Optional<GrantStanding> standing(RequestId id) {
    standingReads++;
    return find(id).map(GrantStanding::of);
  }

  /** How often one grant's standing was read (not from memory). */
  public synchronized int standingReads() {
    return standingReads;
  }

  /** While down, every read and write fails, as with a database that does not answer. */
  public synchronized void setDown(boolean down) {
    this.down = down;
  }

  /** From now on, every write of this request fails, as a row the database refuses would. */
  public synchronized void refuseWrites(RequestId id) {
    unwritable.add(id);
  }

  @Override
  public synchronized Update update(
      AccessRequest current, AccessRequest next, List<AuditEvent> events) {
    refuseIfUnwritable(current.id());
    AccessRequest stored = rows.get(current.id());
    if (stored == null
        || stored.version() != current.version()
        || stored.state() != current.state()) {
      return new Update.Conflict(stored);
    }
    AccessRequest written = next.withVersion(current.version() + 1);
    rows.put(current.id(), written);
    audit.appendAll(events);
    return new Update.Applied(written);
  }

  @Override
  public synchronized List<Update> updateAll(List<Change> changes) {
    changes.forEach(c -> refuseIfUnwritable(c.current().id())); // one transaction: all or nothing
    return changes.stream().map(c -> update(c.current(), c.next(), c.events())).toList();
  }

  private void failIfDown() {
    if (down) {
      throw new IllegalStateException("the database does not answer");
    }
  }

  private void refuseIfUnwritable(RequestId id) {
    failIfDown();
    if (unwritable.contains(id)) {
      throw new IllegalStateException("could not update request " + id + ": the store refuses it");
    }
  }

  @Override
  public synchronized List<AccessRequest> findDue(Instant now, int limit) {
    return rows.values().stream()
        .filter(r -> r.dueAt().map(due -> !due.isAfter(now)).orElse(false))
        .sorted(Comparator.comparing(r -> r.dueAt().orElseThrow()))
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized List<AccessRequest> findDue(ClusterRef cluster, Instant now, int limit) {
    return findDue(now, Integer.MAX_VALUE).stream()
        .filter(r -> r.cluster().equals(cluster))
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized List<AccessRequest> findDueToSettle(Instant now, int limit) {
    return findDue(now, Integer.MAX_VALUE).stream()
        .filter(r -> r.state() == RequestState.PENDING || r.state() == RequestState.ACTIVE)
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized Set<ClusterRef> findClustersWithDue(Instant now) {
    return findDue(now, Integer.MAX_VALUE).stream()
        .map(AccessRequest::cluster)
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  @Override
  public synchronized List<AccessRequest> findOpen(CustomerId customer) {
    return rows.values().stream()
        .filter(r -> r.cluster().customer().equals(customer))
        .filter(AccessRequest::isOpen)
        .toList();
  }

  @Override
  public synchronized List<AccessRequest> findHoldingAccess(ClusterRef cluster) {
    return rows.values().stream()
        .filter(r -> r.cluster().equals(cluster) && r.holdsAccess())
        .toList();
  }

  @Override
  public synchronized List<AccessRequest> findPendingExtensions(RequestId original) {
    return rows.values().stream()
        .filter(
            r ->
                r.kind() == RequestKind.EXTENSION
                    && r.extendsRequest().equals(Optional.of(original)))
        .filter(r -> r.state() == RequestState.PENDING)
        .toList();
  }

  @Override
  public synchronized List<AccessRequest> findRevocationsPending() {
    return rows.values().stream().filter(AccessRequest::revocationPending).toList();
  }

  /** Puts a request in any shape (tests that start from a given state). */
  public synchronized void put(AccessRequest request) {
    rows.put(request.id(), request);
  }
}
