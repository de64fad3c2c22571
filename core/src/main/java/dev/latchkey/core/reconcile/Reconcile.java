package dev.latchkey.core.reconcile;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.ReconcileReport;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.grant.EndAccess;
import dev.latchkey.core.grant.Endings;
import dev.latchkey.core.grant.GrantExecutor;
import dev.latchkey.core.grant.GrantPlanner;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ClusterAccess.Listing;
import dev.latchkey.core.port.ClusterAccess.ManagedGrant;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import dev.latchkey.core.port.ClusterAccess.UnmanagedListing;
import dev.latchkey.core.port.ClusterAccess.UnmanagedObject;
import dev.latchkey.core.port.RequestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compares what a cluster holds with the records, always for everything, and acts only on drift:
 * objects of unknown or finished requests are removed and audited; active access past its end is
 * expired; active access whose binding someone removed outside Latchkey becomes REVOKED (actor:
 * cluster); what reaches {@code latchkey-grants} without Latchkey's labels is reported. The same
 * observed state always leads to the same outcome.
 */
public final class Reconcile {
  /** A grant younger than this is not judged missing (the listing may predate it). */
  public static final Duration RECONCILE_GRACE = Duration.ofSeconds(10);

  private final RequestStore requests;
  private final AuditLog audit;
  private final ClusterAccess clusters;
  private final GrantExecutor grants;
  private final EndAccess endAccess;
  private final ForeignObjects foreign;
  private final Clock clock;

  public Reconcile(
      RequestStore requests,
      AuditLog audit,
      ClusterAccess clusters,
      GrantExecutor grants,
      EndAccess endAccess,
      ForeignObjects foreign,
      Clock clock) {
    this.requests = requests;
    this.audit = audit;
    this.clusters = clusters;
    this.grants = grants;
    this.endAccess = endAccess;
    this.foreign = foreign;
    this.clock = clock;
  }

  public ReconcileReport reconcile(ClusterRef cluster) {
    // Read before the listing: a request that could still hold objects then, but has been cleaned
    // up by the time it is looked at below, was removed while the listing was taken (a mass
    // expiry in progress) — not an orphan.
    List<AccessRequest> holding = requests.findHoldingAccess(cluster);
    Set<RequestId> mayHoldObjects = new HashSet<>();
    holding.forEach(r -> mayHoldObjects.add(r.id()));
    requests.findRevocationsPending().stream()
        .filter(r -> r.cluster().equals(cluster))
        .forEach(r -> mayHoldObjects.add(r.id()));
    Instant listedAt = clock.instant();
    Listing listing = clusters.listManaged(cluster);
    if (listing instanceof Listing.Unavailable unavailable) {
      return new ReconcileReport(
          cluster, List.of(), List.of(), foreign.on(cluster), Optional.of(unavailable.message()));
    }
    List<ManagedGrant> found = ((Listing.Listed) listing).grants();
    Map<RequestId, ManagedGrant> byId = new HashMap<>();
    found.forEach(g -> byId.put(g.id(), g));
    List<RequestId> orphans = removeOrphans(cluster, found, mayHoldObjects);
    List<RequestId> revokedOutside = new ArrayList<>();
    for (AccessRequest r : holding) {
      if (r.kind() != RequestKind.ACCESS || r.state() != RequestState.ACTIVE) {
        continue;
      }
      if (!r.expiresAt().orElseThrow().isAfter(listedAt)) {
        // The timer is late (or was stopped): the listing is the moment to end it.
        grants.commit(Endings.expiredAtEnd(r, listedAt)).ifPresent(grants::remove);
        continue;
      }
      boolean settled =
          r.grantedAt().map(at -> at.plus(RECONCILE_GRACE).isBefore(listedAt)).orElse(false);
      List<String> missing =
          GrantPlanner.footprint(r).missingFrom(Optional.ofNullable(byId.get(r.id())));
      if (settled && !missing.isEmpty()) {
        String what = String.join(", ", missing);
        AuditEvent noticed = AuditEvents.grantMissing(r, clock.instant(), what);
        endAccess
            .end(
                r,
                Actor.CLUSTER,
                Map.of("cause", what + " removed outside Latchkey"),
                List.of(noticed))
            .ifPresent(x -> revokedOutside.add(r.id()));
      }
    }
    List<UnmanagedObject> unmanaged = noticeForeign(cluster);
    return new ReconcileReport(cluster, orphans, revokedOutside, unmanaged, Optional.empty());
  }

  /**
   * Lists what reaches {@code latchkey-grants} that Latchkey did not make, and audits what appeared
   * or went since the last listing. Latchkey never deletes it: it may be someone's own, and its
   * owner decides.
   */
  private List<UnmanagedObject> noticeForeign(ClusterRef cluster) {
    return switch (clusters.listUnmanaged(cluster)) {
      case UnmanagedListing.Unavailable unavailable -> foreign.on(cluster);
      case UnmanagedListing.Listed listed -> {
        ForeignObjects.Change change = foreign.record(cluster, listed.objects());
        Instant now = clock.instant();
        change.appeared().forEach(o -> audit.append(AuditEvents.unmanaged(cluster, now, o, true)));
        change.gone().forEach(o -> audit.append(AuditEvents.unmanaged(cluster, now, o, false)));
        yield listed.objects();
      }
    };
  }

  private List<RequestId> removeOrphans(
      ClusterRef cluster, List<ManagedGrant> found, Set<RequestId> mayHoldObjects) {
    List<RequestId> orphans = new ArrayList<>();
    for (ManagedGrant grant : found) {
      Optional<AccessRequest> request = requests.find(grant.id());
      if (request.isPresent() && !request.get().cluster().equals(cluster)) {
        // Another configured entry for the same API server made it: that entry's reconciliation
        // judges it.
        continue;
      }
      boolean keep =
          request.isPresent()
              && (request.get().state().holdsAccess() || request.get().grantPresent());
      if (keep || mayHoldObjects.contains(grant.id())) {
        continue; // in use, or cleaned up since the listing: the next pass sees what is left
      }
      // Deleted nothing: someone else's clean-up got there first; no orphan, nothing to record.
      if (clusters.removeListed(cluster, grant) instanceof RemovalResult.Removed removed
          && removed.deleted() > 0) {
        orphans.add(grant.id());
        audit.append(
            AuditEvents.orphanRemoved(
                cluster,
                clock.instant(),
                grant.id(),
                grant.kinds().stream().map(Enum::name).sorted().toList().toString(),
                request.map(r -> r.state().name()).orElse("unknown")));
      }
    }
    return orphans;
  }
}
