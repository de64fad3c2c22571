package dev.latchkey.core.timers;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.DueReport;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.grant.GrantExecutor;
import dev.latchkey.core.port.RequestStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The timers' work on each cluster: approved requests are granted (or retried), access at its end
 * is removed, removals that failed are retried. Safe to run from several processes at once: every
 * change is conditional. The running service spreads it over one lane per cluster ({@link
 * #clustersWithDueWork}, {@link #dueOn}, {@link #handle}); {@link #runAll} does it in sequence, for
 * start-up and tests.
 */
public final class DueWork {
  private final RequestStore requests;
  private final SettleDue settle;
  private final GrantExecutor grants;
  private final Clock clock;

  public DueWork(RequestStore requests, SettleDue settle, GrantExecutor grants, Clock clock) {
    this.requests = requests;
    this.settle = settle;
    this.grants = grants;
    this.clock = clock;
  }

  /** Handles everything due now, cluster after cluster. */
  public DueReport runAll() {
    int handled = 0;
    List<String> errors = new ArrayList<>();
    for (ClusterRef cluster : clustersWithDueWork()) {
      for (AccessRequest r : dueOn(cluster)) {
        handled++;
        handle(r, true).ifPresent(errors::add);
      }
    }
    return new DueReport(handled, errors);
  }

  /** The clusters with requests due now. */
  public Set<ClusterRef> clustersWithDueWork() {
    return requests.findClustersWithDue(clock.instant());
  }

  /** Up to {@link SettleDue#DUE_BATCH} requests due now on one cluster, earliest first. */
  public List<AccessRequest> dueOn(ClusterRef cluster) {
    return requests.findDue(cluster, clock.instant(), SettleDue.DUE_BATCH);
  }

  /**
   * Handles one due request as read by {@link #dueOn} (a stale copy only loses its conditional
   * updates). When its cluster is known not to answer ({@code clusterReachable} false), only what
   * needs no cluster is done: time-outs, the end of access whose window closed (its removal stays
   * due), reminders. Returns what went wrong, if anything.
   */
  public Optional<String> handle(AccessRequest r, boolean clusterReachable) {
    try {
      handle(r, clock.instant(), clusterReachable);
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(r.id() + ": " + e);
    }
  }

  private void handle(AccessRequest r, Instant now, boolean clusterReachable) {
    switch (r.state()) {
      case APPROVED -> {
        // An extension only moves a stored end: no cluster needed.
        if (clusterReachable || r.kind() == RequestKind.EXTENSION) {
          grants.carryOut(r);
          return;
        }
      }
      case PENDING, ACTIVE -> {}
      default -> {
        if (r.grantPresent() && clusterReachable) {
          grants.remove(r);
        }
        return;
      }
    }
    DuePlanner.settlement(r, now)
        .flatMap(settle::apply)
        .filter(stored -> clusterReachable && stored.state() == RequestState.EXPIRED)
        .ifPresent(grants::remove);
  }
}
