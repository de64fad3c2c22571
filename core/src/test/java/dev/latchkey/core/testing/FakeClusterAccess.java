package dev.latchkey.core.testing;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.ClusterAccess;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster in memory: grants are kept by request id; tests can make the next grants refused or the cluster
 * unreachable, and add objects "by hand" to test reconciliation.
 */
public final class FakeClusterAccess implements ClusterAccess {
  private final Map<RequestId, Grant> live = new LinkedHashMap<>();
  private final List<Grant> granted = new ArrayList<>();
  private final List<RequestId> revoked = new ArrayList<>();
  private final Map<String, RoleCheck> roles = new LinkedHashMap<>();
  private volatile boolean reachable = true;
  private volatile Optional<String> refuseGrants = Optional.empty();
  private final AtomicInteger grantCalls = new AtomicInteger();

  public FakeClusterAccess() {
    roles.put("latchkey-readonly", new RoleCheck.Present(false));
    roles.put("latchkey-operator", new RoleCheck.Present(false));
    roles.put("cluster-admin", new RoleCheck.Present(true));
  }

  public void setReachable(boolean value) {
    reachable = value;
  }

  public void refuseGrants(String message) {
    refuseGrants = Optional.of(message);
  }

  public synchronized void setRole(String clusterRole, RoleCheck check) {
    roles.put(clusterRole, check);
  }

  /** Someone deletes the bindings outside Latchkey. */
  public synchronized void deleteByHand(RequestId id) {
    live.remove(id);
  }

  /** Someone (or an earlier run) left objects labelled with this id. */
  public synchronized void addByHand(Grant grant) {
    live.put(grant.id(), grant);
  }

  @Override
  public synchronized GrantResult grant(Grant grant) {
    grantCalls.incrementAndGet();
    if (!reachable) {
      return new GrantResult.Unavailable("connect timed out");
    }
    if (refuseGrants.isPresent()) {
      return new GrantResult.Refused(refuseGrants.get());
    }
    live.put(grant.id(), grant);
    granted.add(grant);
    return new GrantResult.Granted();
  }

  @Override
  public synchronized RemovalResult revoke(ClusterRef cluster, RequestId id) {
    if (!reachable) {
      return new RemovalResult.Unavailable("connect timed out");
    }
    live.remove(id);
    revoked.add(id);
    return new RemovalResult.Removed();
  }

  @Override
  public synchronized Listing listManaged(ClusterRef cluster) {
    if (!reachable) {
      return new Listing.Unavailable("connect timed out");
    }
    List<ManagedGrant> out = new ArrayList<>();
    for (Grant g : live.values()) {
      if (g.cluster().equals(cluster)) {
        Set<ObjectKind> kinds = EnumSet.of(g.scope() instanceof dev.latchkey.core.Scope.Cluster
            ? ObjectKind.CLUSTER_ROLE_BINDING : ObjectKind.ROLE_BINDING);
        if (g.subject() instanceof dev.latchkey.core.Subject.ServiceAccount) {
          kinds.add(ObjectKind.SERVICE_ACCOUNT);
        }
        out.add(new ManagedGrant(g.id(), kinds, Optional.of(g.expiresAt())));
      }
    }
    return new Listing.Listed(out);
  }

  @Override
  public synchronized CredentialResult issueCredential(ClusterRef cluster, RequestId id, Instant notAfter) {
    if (!reachable || !live.containsKey(id)) {
      return new CredentialResult.Unavailable(reachable ? "serviceaccount not found" : "connect timed out");
    }
    return new CredentialResult.Issued(new Kubeconfig("apiVersion: v1\nkind: Config\n# token for " + id, notAfter));
  }

  @Override
  public synchronized RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
    if (!reachable) {
      return new RoleCheck.Unavailable("connect timed out");
    }
    return roles.getOrDefault(clusterRole, new RoleCheck.Missing());
  }

  public synchronized boolean holds(RequestId id) {
    return live.containsKey(id);
  }

  public synchronized Optional<Grant> live(RequestId id) {
    return Optional.ofNullable(live.get(id));
  }

  public synchronized List<Grant> granted() {
    return List.copyOf(granted);
  }

  public synchronized List<RequestId> revoked() {
    return List.copyOf(revoked);
  }

  public int grantCalls() {
    return grantCalls.get();
  }
}
