package dev.latchkey.core.request;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.RequestStore;
import java.util.List;
import java.util.Optional;

/**
 * What a customer's channel may read: its own requests only, never another customer's, whatever id
 * is typed.
 */
public final class RequestQueries {
  private final RequestStore requests;
  private final AuditLog audit;

  public RequestQueries(RequestStore requests, AuditLog audit) {
    this.requests = requests;
    this.audit = audit;
  }

  /** The request if it exists and belongs to {@code customer}. */
  public Optional<AccessRequest> find(CustomerId customer, RequestId id) {
    return requests.find(id).filter(r -> r.cluster().customer().equals(customer));
  }

  /** The request whoever's it is (for adapters that find the customer from the request). */
  public Optional<AccessRequest> find(RequestId id) {
    return requests.find(id);
  }

  /** Pending and active requests of a customer, oldest first. */
  public List<AccessRequest> open(CustomerId customer) {
    return requests.findOpen(customer);
  }

  /** A request's audit events, if it belongs to {@code customer}. */
  public Optional<List<StoredAuditEvent>> trail(CustomerId customer, RequestId id) {
    return find(customer, id).map(r -> audit.forRequest(r.id()));
  }
}
