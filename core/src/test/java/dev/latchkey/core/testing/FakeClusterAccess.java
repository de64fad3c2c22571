package dev.latchkey.core.testing;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.ClusterAccess;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster in memory: grants are kept by request id; tests can make the next grants refused or the
 * cluster unreachable, and add objects "by hand" to test reconciliation.
 */
public final class FakeClusterAccess implements ClusterAccess {
  private final Map<RequestId, Grant> live = new LinkedHashMap<>();
  private final List<Grant> granted = new ArrayList<>();
  private final List<RequestId> revoked = new ArrayList<>();
  private final List<Footprint> footprints = new ArrayList<>();
  private final Map<RequestId, Set<String>> removedByHand = new HashMap<>();
  private final Map<String, RoleCheck> roles = new LinkedHashMap<>();
  private final List<UnmanagedObject> unmanaged = new ArrayList<>();
  private volatile boolean reachable = true;
  private volatile Optional<String> refuseGrants = Optional.empty();
  private final AtomicInteger grantCalls = new AtomicInteger();

  public FakeClusterAccess() {
    roles.put("latchkey-readonly", new RoleCheck.Present(false));
    roles.put(
        "latchkey-operator",
        new RoleCheck.Present(
            false,
            java.util.EnumSet.of(PodReach.EXEC, PodReach.DELETE_PODS, PodReach.CHANGE_WORKLOADS)));
    roles.put(
        "cluster-admin", new RoleCheck.Present(true, java.util.EnumSet.allOf(PodReach.class)));
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

  /**
   * Someone deletes one object of a grant outside Latchkey (its ServiceAccount, one RoleBinding).
   */
  public synchronized void deleteObjectByHand(
      RequestId id, ObjectKind kind, Optional<String> namespace) {
    removedByHand.computeIfAbsent(id, k -> new HashSet<>()).add(kind + "/" + namespace.orElse(""));
  }

  /**
   * Someone made an object reaching the grants' namespace without Latchkey's labels (a
   * ServiceAccount, a token Secret, a binding).
   */
  public synchronized void addUnmanaged(UnmanagedObject object) {
    unmanaged.add(object);
  }

  public synchronized void removeUnmanaged(UnmanagedObject object) {
    unmanaged.remove(object);
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
    removedByHand.remove(grant.id());
    granted.add(grant);
    return new GrantResult.Granted();
  }

  @Override
  public synchronized RemovalResult revoke(Footprint footprint) {
    if (!reachable) {
      return new RemovalResult.Unavailable("connect timed out");
    }
    footprints.add(footprint);
    boolean held = live.remove(footprint.id()) != null;
    revoked.add(footprint.id());
    return new RemovalResult.Removed(held ? 1 : 0);
  }

  @Override
  public synchronized Listing listManaged(ClusterRef cluster) {
    if (!reachable) {
      return new Listing.Unavailable("connect timed out");
    }
    List<ManagedGrant> out = new ArrayList<>();
    for (Grant g : live.values()) {
      if (g.cluster().equals(cluster)) {
        List<ManagedObject> objects = new ArrayList<>();
        String binding = "latchkey-" + g.id().value();
        switch (g.scope()) {
          case Scope.Cluster c ->
              objects.add(
                  new ManagedObject(ObjectKind.CLUSTER_ROLE_BINDING, Optional.empty(), binding));
          case Scope.Namespaces n ->
              n.names()
                  .forEach(
                      ns ->
                          objects.add(
                              new ManagedObject(
                                  ObjectKind.ROLE_BINDING, Optional.of(ns), binding)));
        }
        if (g.subject() instanceof Subject.ServiceAccount sa) {
          objects.add(
              new ManagedObject(
                  ObjectKind.SERVICE_ACCOUNT, Optional.of(sa.namespace()), sa.name()));
        }
        Set<String> gone = removedByHand.getOrDefault(g.id(), Set.of());
        objects.removeIf(o -> gone.contains(o.kind() + "/" + o.namespace().orElse("")));
        out.add(new ManagedGrant(g.id(), objects, Optional.of(g.expiresAt())));
      }
    }
    return new Listing.Listed(out);
  }

  @Override
  public synchronized RemovalResult removeListed(ClusterRef cluster, ManagedGrant found) {
    if (!reachable) {
      return new RemovalResult.Unavailable("connect timed out");
    }
    boolean held = live.remove(found.id()) != null;
    revoked.add(found.id());
    return new RemovalResult.Removed(held ? found.objects().size() : 0);
  }

  @Override
  public synchronized CredentialResult issueCredential(
      ClusterRef cluster, RequestId id, Instant notAfter) {
    if (!reachable || !live.containsKey(id)) {
      return new CredentialResult.Unavailable(
          reachable ? "serviceaccount not found" : "connect timed out");
    }
    return new CredentialResult.Issued(
        new Kubeconfig("apiVersion: v1\nkind: Config\n# token for " + id, notAfter));
  }

  @Override
  public synchronized RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
    if (!reachable) {
      return new RoleCheck.Unavailable("connect timed out");
    }
    return roles.getOrDefault(clusterRole, new RoleCheck.Missing());
  }

  @Override
  public synchronized UnmanagedListing listUnmanaged(ClusterRef cluster) {
    if (!reachable) {
      return new UnmanagedListing.Unavailable("connect timed out");
    }
    return new UnmanagedListing.Listed(unmanaged);
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

  /** What each {@link #revoke} was asked to remove, in order. */
  public synchronized List<Footprint> footprints() {
    return List.copyOf(footprints);
  }

  public int grantCalls() {
    return grantCalls.get();
  }
}
