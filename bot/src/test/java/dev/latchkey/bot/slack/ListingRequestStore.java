package dev.latchkey.bot.slack;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.testing.InMemoryRequestStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The core's in-memory store, remembering every id so the card store fake can list them all. */
final class ListingRequestStore implements RequestStore {
  private final InMemoryRequestStore delegate;
  private final Set<RequestId> ids = new LinkedHashSet<>();

  ListingRequestStore(InMemoryRequestStore delegate) {
    this.delegate = delegate;
  }

  synchronized Collection<AccessRequest> all() {
    List<AccessRequest> out = new ArrayList<>();
    for (RequestId id : ids) {
      delegate.find(id).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public void insert(AccessRequest request, List<AuditEvent> events) {
    delegate.insert(request, events);
    synchronized (this) {
      ids.add(request.id());
    }
  }

  @Override
  public Optional<AccessRequest> find(RequestId id) {
    return delegate.find(id);
  }

  @Override
  public Update update(AccessRequest current, AccessRequest next, List<AuditEvent> events) {
    return delegate.update(current, next, events);
  }

  @Override
  public List<Update> updateAll(List<Change> changes) {
    return delegate.updateAll(changes);
  }

  @Override
  public List<AccessRequest> findDue(Instant now, int limit) {
    return delegate.findDue(now, limit);
  }

  @Override
  public List<AccessRequest> findDue(ClusterRef cluster, Instant now, int limit) {
    return delegate.findDue(cluster, now, limit);
  }

  @Override
  public List<AccessRequest> findDueToSettle(Instant now, int limit) {
    return delegate.findDueToSettle(now, limit);
  }

  @Override
  public java.util.Set<ClusterRef> findClustersWithDue(Instant now) {
    return delegate.findClustersWithDue(now);
  }

  @Override
  public List<AccessRequest> findOpen(CustomerId customer) {
    return delegate.findOpen(customer);
  }

  @Override
  public List<AccessRequest> findHoldingAccess(ClusterRef cluster) {
    return delegate.findHoldingAccess(cluster);
  }

  @Override
  public List<AccessRequest> findPendingExtensions(RequestId original) {
    return delegate.findPendingExtensions(original);
  }

  @Override
  public List<AccessRequest> findRevocationsPending() {
    return delegate.findRevocationsPending();
  }
}
