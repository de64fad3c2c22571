package dev.latchkey.core.port;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import java.time.Instant;
import java.util.Objects;

/**
 * A cluster that passes every call to another, for decorators that change one call and keep the
 * rest (the gateway's kubeconfigs; in tests, a grant interrupted by a racing thread).
 */
public class ForwardingClusterAccess implements ClusterAccess {
  private final ClusterAccess delegate;

  public ForwardingClusterAccess(ClusterAccess delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public GrantResult grant(Grant grant) {
    return delegate.grant(grant);
  }

  @Override
  public RemovalResult revoke(Footprint footprint) {
    return delegate.revoke(footprint);
  }

  @Override
  public Listing listManaged(ClusterRef cluster) {
    return delegate.listManaged(cluster);
  }

  @Override
  public RemovalResult removeListed(ClusterRef cluster, ManagedGrant found) {
    return delegate.removeListed(cluster, found);
  }

  @Override
  public CredentialResult issueCredential(ClusterRef cluster, RequestId id, Instant notAfter) {
    return delegate.issueCredential(cluster, id, notAfter);
  }

  @Override
  public RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
    return delegate.checkRole(cluster, clusterRole);
  }

  @Override
  public UnmanagedListing listUnmanaged(ClusterRef cluster) {
    return delegate.listUnmanaged(cluster);
  }
}
