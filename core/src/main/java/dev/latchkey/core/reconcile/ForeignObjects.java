package dev.latchkey.core.reconcile;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.port.ClusterAccess.UnmanagedObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each cluster's last reconciliation found that Latchkey did not make but that reaches {@code
 * latchkey-grants} (a ServiceAccount, binding or token Secret there, or a binding of one of its
 * ServiceAccounts elsewhere): such an object can hand out access that no request approved and no
 * timer ends. Kept so it is reported once when it appears, and shown until it is gone.
 */
public final class ForeignObjects {
  private final Map<ClusterRef, List<UnmanagedObject>> byCluster = new ConcurrentHashMap<>();

  /** What the last listing of {@code cluster} found (empty before the first). */
  public List<UnmanagedObject> on(ClusterRef cluster) {
    return byCluster.getOrDefault(cluster, List.of());
  }

  /** How many such objects all clusters hold, by their last listing. */
  public int total() {
    return byCluster.values().stream().mapToInt(List::size).sum();
  }

  /** Records a listing; returns what is new since the previous one and what has gone. */
  Change record(ClusterRef cluster, List<UnmanagedObject> found) {
    List<UnmanagedObject> before = byCluster.getOrDefault(cluster, List.of());
    byCluster.put(cluster, List.copyOf(found));
    Set<UnmanagedObject> previous = Set.copyOf(before);
    Set<UnmanagedObject> now = Set.copyOf(found);
    return new Change(
        found.stream().filter(o -> !previous.contains(o)).toList(),
        before.stream().filter(o -> !now.contains(o)).toList());
  }

  /** What changed between two listings. */
  record Change(List<UnmanagedObject> appeared, List<UnmanagedObject> gone) {}
}
