package dev.latchkey.core.session;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Subject;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * An active gateway-mode grant as the gateway may act on it: whom to impersonate, on which cluster,
 * until when, and which namespaces no request of it may address whatever its role allows.
 */
public record GatewayGrant(
    RequestId id,
    ClusterRef cluster,
    String role,
    Instant endsAt,
    Set<String> protectedNamespaces) {

  public GatewayGrant {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(endsAt, "endsAt");
    protectedNamespaces = Set.copyOf(protectedNamespaces);
  }

  /** The Kubernetes user the gateway impersonates for this grant: its own ServiceAccount. */
  public String impersonatedUser() {
    return "system:serviceaccount:" + Subject.GRANTS_NAMESPACE + ":" + id.value();
  }

  /** Whether a request addressed to {@code namespace} must be refused before it is forwarded. */
  public boolean protects(String namespace) {
    return protectedNamespaces.contains(namespace);
  }
}
