package dev.latchkey.core.timers;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.grant.Endings;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.rules.PendingWindow;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a due request needs that involves no cluster, as a pure function of the request and now: an
 * unanswered request times out, access whose window closed expires (its removal is then due), the
 * requester is reminded before the end.
 */
public final class DuePlanner {
  private DuePlanner() {}

  /** A change the timers make without a cluster, and how people hear of it once committed. */
  public record Settlement(RequestStore.Change change, Announce announce) {}

  /** How a committed settlement is announced. */
  public enum Announce {
    /** The card and thread show the change (its audit event). */
    CHANGED,
    /** The requester is reminded that access ends soon. */
    EXPIRING_SOON
  }

  public static Optional<Settlement> settlement(AccessRequest r, Instant now) {
    return switch (r.state()) {
      case PENDING ->
          PendingWindow.passed(r, now)
              ? Optional.of(changed(Endings.timedOut(r, now)))
              : Optional.empty();
      case APPROVED ->
          r.kind() == RequestKind.ACCESS && !r.expiresAt().orElseThrow().isAfter(now)
              ? Optional.of(changed(Endings.expiredBeforeGrant(r, now)))
              : Optional.empty();
      case ACTIVE -> {
        Instant expiry = r.expiresAt().orElseThrow();
        if (!expiry.isAfter(now)) {
          yield Optional.of(changed(Endings.expiredAtEnd(r, now)));
        }
        if (!r.reminderSent() && !expiry.minus(AccessRequest.REMINDER_BEFORE_EXPIRY).isAfter(now)) {
          yield Optional.of(
              new Settlement(
                  new RequestStore.Change(r, r.withReminderSent(true), List.of()),
                  Announce.EXPIRING_SOON));
        }
        yield Optional.empty();
      }
      default -> Optional.empty();
    };
  }

  private static Settlement changed(RequestStore.Change change) {
    return new Settlement(change, Announce.CHANGED);
  }
}
