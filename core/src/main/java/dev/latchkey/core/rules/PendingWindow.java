package dev.latchkey.core.rules;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import java.time.Instant;
import java.util.Optional;

/**
 * The two-hour rule, which does not depend on the timer being on time: a request whose window has
 * passed is timed out by whoever touches it first, and a decision arriving late grants nothing.
 */
public final class PendingWindow {
  private PendingWindow() {}

  public static boolean passed(AccessRequest r, Instant now) {
    return r.state() == RequestState.PENDING && !now.isBefore(r.pendingExpiresAt());
  }

  /**
   * When a decision counts: when it was made, if that is known and plausible (not before the
   * request, not ahead of now).
   */
  public static Instant decisionInstant(AccessRequest r, Optional<Instant> madeAt, Instant now) {
    return madeAt.filter(t -> !t.isAfter(now) && !t.isBefore(r.createdAt())).orElse(now);
  }
}
