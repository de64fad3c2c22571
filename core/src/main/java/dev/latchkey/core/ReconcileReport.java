package dev.latchkey.core;

import dev.latchkey.core.port.ClusterAccess.UnmanagedObject;
import java.util.List;
import java.util.Optional;

/**
 * One reconciliation of a cluster: orphans removed, requests found revoked outside Latchkey, what
 * reaches {@code latchkey-grants} that Latchkey did not make, or why the cluster could not be read.
 */
public record ReconcileReport(
    ClusterRef cluster,
    List<RequestId> orphansRemoved,
    List<RequestId> revokedOutside,
    List<UnmanagedObject> unmanaged,
    Optional<String> unavailable) {
  public ReconcileReport {
    orphansRemoved = List.copyOf(orphansRemoved);
    revokedOutside = List.copyOf(revokedOutside);
    unmanaged = List.copyOf(unmanaged);
  }
}
