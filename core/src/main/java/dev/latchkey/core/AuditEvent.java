package dev.latchkey.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One audit record: when, who, about which request and customer, what, with which result, and details as plain
 * strings (sorted, so the canonical form that is hashed is stable). Details never hold a token or secret.
 */
public record AuditEvent(
    Instant at,
    Actor actor,
    Optional<CustomerId> customer,
    Optional<RequestId> requestId,
    AuditAction action,
    AuditResult result,
    Map<String, String> details) {
  public AuditEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(customer, "customer");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(result, "result");
    details = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(details));
  }

  public static AuditEvent about(
      AccessRequest request, Instant at, Actor actor, AuditAction action, AuditResult result,
      Map<String, String> details) {
    return new AuditEvent(
        at, actor, Optional.of(request.cluster().customer()), Optional.of(request.id()), action, result, details);
  }
}
