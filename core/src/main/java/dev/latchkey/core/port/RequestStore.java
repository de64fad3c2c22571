package dev.latchkey.core.port;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.GrantStanding;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Durable requests. Every change is conditional on the version the caller read, and writes its
 * audit events in the same transaction, so a race has exactly one winner and exactly one record of
 * what it did. Nothing is ever deleted.
 */
public interface RequestStore {

  /** Stores a new request (version 0) with its events; the id must be new. */
  void insert(AccessRequest request, List<AuditEvent> events);

  Optional<AccessRequest> find(RequestId id);

  /**
   * The requests of these ids that exist, in no particular order: the gateway asks about every
   * grant with an open session several times a second.
   */
  default List<AccessRequest> findAll(Collection<RequestId> ids) {
    return ids.stream().map(this::find).flatMap(Optional::stream).toList();
  }

  /**
   * What the gateway's admission reads of request {@code id} (see {@link GrantStanding}); a store
   * reads just those fields, since the gateway asks on every request.
   */
  default Optional<GrantStanding> standing(RequestId id) {
    return find(id).map(GrantStanding::of);
  }

  /**
   * What {@link #standing} answers, when the store can tell without waiting on its database: a
   * store that alone writes its records may keep standings in memory, replaced on every write.
   * Empty when only {@link #standing} can tell (never for a missing request alone). Never blocks.
   */
  default Optional<GrantStanding> standingInMemory(RequestId id) {
    return Optional.empty();
  }

  /**
   * The same as {@link #standing} for many requests at once, always read from the records (the
   * gateway's sweep over open sessions checks what memory holds); those not found are left out.
   */
  default List<GrantStanding> standings(Collection<RequestId> ids) {
    return findAll(ids).stream().map(GrantStanding::of).toList();
  }

  /**
   * Replaces {@code current} by {@code next} if the stored request still has {@code current}'s
   * version and state, and appends {@code events} in the same transaction. {@code next} is stored
   * with version + 1.
   */
  Update update(AccessRequest current, AccessRequest next, List<AuditEvent> events);

  /**
   * Several {@link #update}s in one transaction, each conditional on its own: one commit for a
   * batch of timer changes (a thousand grants expiring at once) instead of one each. Results are in
   * the order of {@code changes}.
   */
  List<Update> updateAll(List<Change> changes);

  /** One conditional change of {@link #updateAll}. */
  record Change(AccessRequest current, AccessRequest next, List<AuditEvent> events) {
    public Change {
      if (!current.id().equals(next.id())) {
        throw new IllegalArgumentException(
            "a change cannot change the id: " + current.id() + " to " + next.id());
      }
      events = List.copyOf(events);
    }
  }

  /** Requests whose {@link AccessRequest#dueAt()} is at or before {@code now}, earliest first. */
  List<AccessRequest> findDue(Instant now, int limit);

  /**
   * The same, on one cluster only: each cluster's timer work goes on whatever another cluster does.
   */
  List<AccessRequest> findDue(ClusterRef cluster, Instant now, int limit);

  /**
   * PENDING and ACTIVE requests due at or before {@code now}, earliest first: what the timers
   * settle without any cluster (time-outs, ends of access, reminders), looked up apart so that
   * removals a silent cluster owes never stand in front of them.
   */
  List<AccessRequest> findDueToSettle(Instant now, int limit);

  /** The clusters that have requests due at or before {@code now}. */
  Set<ClusterRef> findClustersWithDue(Instant now);

  /**
   * The requests of a customer still in play ({@link AccessRequest#isOpen}: pending, being granted
   * or active; never an extension already applied, which stays APPROVED), oldest first. What {@code
   * /access list} shows and the gauges count.
   */
  List<AccessRequest> findOpen(CustomerId customer);

  /**
   * The access on one cluster approved or active ({@link AccessRequest#holdsAccess}; never an
   * extension): what {@code /access status} counts, {@code disable --now} revokes and
   * reconciliation compares.
   */
  List<AccessRequest> findHoldingAccess(ClusterRef cluster);

  /** PENDING extension requests of one original request. */
  List<AccessRequest> findPendingExtensions(RequestId original);

  /**
   * Requests in a final state whose grant may still be in a cluster (clean-up not yet confirmed).
   */
  List<AccessRequest> findRevocationsPending();

  /** The result of a conditional update. */
  sealed interface Update {
    record Applied(AccessRequest stored) implements Update {}

    /** Someone else changed the request first; this is how it now stands. */
    record Conflict(AccessRequest current) implements Update {}
  }
}
