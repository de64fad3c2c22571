package dev.latchkey.core.timers;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.grant.GrantExecutor;
import dev.latchkey.core.port.RequestStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Grants that should be gone from a cluster but are not yet: which are overdue (for metrics), which
 * clusters owe a removal (worth probing), and bringing their next try forward once a cluster
 * answers again, so a long outage is not followed by a long backoff.
 */
public final class RemovalWatch {
  private final RequestStore requests;
  private final GrantExecutor grants;
  private final Clock clock;
  private final RetryPolicy retry;

  public RemovalWatch(RequestStore requests, GrantExecutor grants, Clock clock, RetryPolicy retry) {
    this.requests = requests;
    this.grants = grants;
    this.clock = clock;
    this.retry = retry;
  }

  /**
   * Grants still in a cluster more than the notice period after their end: removals that keep
   * failing, and access the timers have not ended although its window closed (e.g. a backlog).
   */
  public List<AccessRequest> overdue() {
    Instant now = clock.instant();
    Instant lateSince = now.minus(retry.overdueNotice());
    List<AccessRequest> overdue =
        new ArrayList<>(
            requests.findRevocationsPending().stream()
                .filter(r -> grants.isOverdue(r, now))
                .toList());
    requests.findDue(lateSince, SettleDue.DUE_BATCH).stream()
        .filter(
            r ->
                r.state().holdsAccess()
                    && r.expiresAt().map(e -> !e.isAfter(lateSince)).orElse(false))
        .forEach(overdue::add);
    return overdue;
  }

  /** Clusters where a removal failed and waits for its next try. */
  public Set<ClusterRef> clustersOwing() {
    Instant now = clock.instant();
    Set<ClusterRef> owing = new LinkedHashSet<>();
    for (AccessRequest r : requests.findRevocationsPending()) {
      if (r.nextAttemptAt().map(at -> at.isAfter(now)).orElse(false)) {
        owing.add(r.cluster());
      }
    }
    return owing;
  }

  /** Brings forward the next try of every pending removal on a cluster. */
  public void retryNow(ClusterRef cluster) {
    Instant now = clock.instant();
    for (AccessRequest r : requests.findRevocationsPending()) {
      if (r.cluster().equals(cluster)
          && r.nextAttemptAt().map(at -> at.isAfter(now)).orElse(false)) {
        requests.update(r, r.withRetry(r.attempts(), Optional.of(now)), List.of());
      }
    }
  }
}
