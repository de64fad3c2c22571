package dev.latchkey.core.timers;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.DueReport;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.RequestStore.Update;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Settles in the records, for every cluster at once and in batches, what is due and needs no
 * cluster (time-outs, ends of access, reminders): a mass expiry of thousands of grants is in the
 * records at once, whatever the clusters do, and a cluster that answers slowly or not at all — with
 * a long line of removals — cannot hold up the end of access anywhere.
 */
public final class SettleDue {
  /** How many due requests one pass takes on. */
  public static final int DUE_BATCH = 500;

  private final RequestStore requests;
  private final Notifier notifier;
  private final Clock clock;

  public SettleDue(RequestStore requests, Notifier notifier, Clock clock) {
    this.requests = requests;
    this.notifier = notifier;
    this.clock = clock;
  }

  /**
   * Settles everything due now, batch after batch; reports how many changed and which requests
   * could not be written.
   */
  public DueReport settleAll() {
    int total = 0;
    List<String> errors = new ArrayList<>();
    for (int batches = 0; batches < 1_000; batches++) {
      List<AccessRequest> due = requests.findDueToSettle(clock.instant(), DUE_BATCH);
      DueReport report = settle(due);
      total += report.handled();
      errors.addAll(report.errors());
      if (report.handled() == 0) {
        break; // nothing due, or what is left lost a race or failed: looked at again next time
      }
    }
    // A failing request is tried in each batch.
    return new DueReport(total, errors.stream().distinct().toList());
  }

  /**
   * Commits what a batch of due requests (as read by the timers) needs without a cluster, in one
   * transaction, each change still conditional on its own. When the batch cannot be committed, each
   * change is tried on its own, so one request the store refuses cannot keep the others' access
   * from ending; those that failed are in the report's errors. Throws only when the store itself
   * fails (a change fails and so does a plain read).
   */
  public DueReport settle(List<AccessRequest> due) {
    Instant now = clock.instant();
    List<DuePlanner.Settlement> planned =
        due.stream().map(r -> DuePlanner.settlement(r, now)).flatMap(Optional::stream).toList();
    if (planned.isEmpty()) {
      return new DueReport(0, List.of());
    }
    List<Update> results;
    try {
      results = requests.updateAll(planned.stream().map(DuePlanner.Settlement::change).toList());
    } catch (RuntimeException batchFailed) {
      return settleOneByOne(planned, batchFailed);
    }
    int changed = 0;
    for (int i = 0; i < planned.size(); i++) {
      if (results.get(i) instanceof Update.Applied applied) {
        announce(planned.get(i), applied.stored());
        changed++;
      }
    }
    return new DueReport(changed, List.of());
  }

  /** Commits one settlement; the request as stored, or empty when someone changed it first. */
  Optional<AccessRequest> apply(DuePlanner.Settlement settlement) {
    RequestStore.Change change = settlement.change();
    if (requests.update(change.current(), change.next(), change.events())
        instanceof Update.Applied applied) {
      announce(settlement, applied.stored());
      return Optional.of(applied.stored());
    }
    return Optional.empty();
  }

  private DueReport settleOneByOne(
      List<DuePlanner.Settlement> planned, RuntimeException batchFailed) {
    int changed = 0;
    List<String> errors = new ArrayList<>();
    for (DuePlanner.Settlement settlement : planned) {
      RequestId id = settlement.change().current().id();
      try {
        if (apply(settlement).isPresent()) {
          changed++;
        }
      } catch (RuntimeException e) {
        // One request the store refuses, or the store itself? A plain read tells: if it fails
        // too, stop here.
        try {
          requests.find(id);
        } catch (RuntimeException storeDown) {
          batchFailed.addSuppressed(storeDown);
          throw batchFailed;
        }
        errors.add(id + ": " + e);
      }
    }
    return new DueReport(changed, errors);
  }

  private void announce(DuePlanner.Settlement settlement, AccessRequest stored) {
    switch (settlement.announce()) {
      case CHANGED -> notifier.requestChanged(stored, settlement.change().events().getLast());
      case EXPIRING_SOON -> notifier.expiringSoon(stored);
    }
  }
}
