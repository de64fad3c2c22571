package dev.latchkey.core;

import java.util.List;
import java.util.Optional;

/**
 * One reconciliation of a cluster: orphans removed, requests found revoked outside Latchkey, or why
 * the cluster could not be read.
 */
public record ReconcileReport(
    ClusterRef cluster,
    List<RequestId> orphansRemoved,
    List<RequestId> revokedOutside,
    Optional<String> unavailable) {
  public ReconcileReport {
    orphansRemoved = List.copyOf(orphansRemoved);
    revokedOutside = List.copyOf(revokedOutside);
  }
}
