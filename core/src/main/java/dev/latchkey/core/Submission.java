package dev.latchkey.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a requester typed, not yet checked: the core validates every field. No namespaces means the
 * whole cluster; no duration means the default window.
 */
public record Submission(
    CustomerId customer,
    String cluster,
    String role,
    Optional<Duration> duration,
    List<String> namespaces,
    Requester requester,
    String reason) {
  public Submission {
    Objects.requireNonNull(customer, "customer");
    cluster = cluster == null ? "" : cluster;
    role = role == null ? "" : role;
    Objects.requireNonNull(duration, "duration");
    namespaces = List.copyOf(namespaces);
    Objects.requireNonNull(requester, "requester");
    reason = reason == null ? "" : reason;
  }
}
