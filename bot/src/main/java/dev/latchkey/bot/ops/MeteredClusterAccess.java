package dev.latchkey.bot.ops;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.ClusterAccess;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Measures the Kubernetes side without changing it: grant and revoke latency, and errors by
 * operation ({@code latchkey_grant_seconds}, {@code latchkey_revoke_seconds}, {@code
 * latchkey_kubernetes_errors_total}).
 */
public final class MeteredClusterAccess implements ClusterAccess {
  private final ClusterAccess delegate;
  private final MeterRegistry registry;
  private final Timer grants;
  private final Timer revokes;

  public MeteredClusterAccess(ClusterAccess delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
    this.grants =
        Timer.builder("latchkey.grant")
            .description("Time to create a grant in a cluster")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    this.revokes =
        Timer.builder("latchkey.revoke")
            .description("Time to remove a grant from a cluster")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
  }

  @Override
  public GrantResult grant(Grant grant) {
    GrantResult result = time(grants, () -> delegate.grant(grant));
    if (!(result instanceof GrantResult.Granted)) {
      error("grant", result instanceof GrantResult.Refused ? "refused" : "unavailable");
    }
    return result;
  }

  @Override
  public RemovalResult revoke(Footprint footprint) {
    return unavailableCounted(
        "revoke", RemovalResult.Unavailable.class, time(revokes, () -> delegate.revoke(footprint)));
  }

  @Override
  public RemovalResult removeListed(ClusterRef cluster, ManagedGrant found) {
    return unavailableCounted(
        "revoke",
        RemovalResult.Unavailable.class,
        time(revokes, () -> delegate.removeListed(cluster, found)));
  }

  @Override
  public Listing listManaged(ClusterRef cluster) {
    return unavailableCounted("list", Listing.Unavailable.class, delegate.listManaged(cluster));
  }

  @Override
  public CredentialResult issueCredential(ClusterRef cluster, RequestId id, Instant notAfter) {
    return unavailableCounted(
        "token",
        CredentialResult.Unavailable.class,
        delegate.issueCredential(cluster, id, notAfter));
  }

  @Override
  public RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
    return unavailableCounted(
        "role_check", RoleCheck.Unavailable.class, delegate.checkRole(cluster, clusterRole));
  }

  @Override
  public UnmanagedListing listUnmanaged(ClusterRef cluster) {
    return unavailableCounted(
        "list_unmanaged", UnmanagedListing.Unavailable.class, delegate.listUnmanaged(cluster));
  }

  private static <T> T time(Timer timer, Supplier<T> call) {
    Timer.Sample sample = Timer.start();
    try {
      return call.get();
    } finally {
      sample.stop(timer);
    }
  }

  /** {@code result}, counted as an "unavailable" error of {@code operation} when it is one. */
  private <T> T unavailableCounted(String operation, Class<? extends T> unavailable, T result) {
    if (unavailable.isInstance(result)) {
      error(operation, "unavailable");
    }
    return result;
  }

  private void error(String operation, String kind) {
    registry
        .counter("latchkey.kubernetes.errors", "operation", operation, "kind", kind)
        .increment();
  }
}
