package dev.latchkey.core.grant;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.port.RequestStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a request ends, as pure changes to commit: timed out, expired (its removal due at once), or
 * revoked by someone (likewise). Timers, grants, revocations and reconciliation all end requests
 * the same way.
 */
public final class Endings {
  private Endings() {}

  /** PENDING to TIMED_OUT: nothing was granted. */
  public static RequestStore.Change timedOut(AccessRequest r, Instant now) {
    return change(
        r,
        r.withState(RequestState.TIMED_OUT).withEnd(now, Actor.SYSTEM),
        AuditAction.REQUEST_TIMED_OUT,
        now,
        Map.of());
  }

  /** To EXPIRED, with the removal of whatever the cluster may hold due at once. */
  public static RequestStore.Change expired(
      AccessRequest r, Instant now, Map<String, String> details) {
    return change(
        r,
        r.withState(RequestState.EXPIRED)
            .withEnd(now, Actor.SYSTEM)
            .withGrantPresent(r.kind() == RequestKind.ACCESS)
            .withRetry(0, Optional.of(now)),
        AuditAction.REQUEST_EXPIRED,
        now,
        details);
  }

  /** Expired because its window closed at {@code r}'s end. */
  public static RequestStore.Change expiredAtEnd(AccessRequest r, Instant now) {
    return expired(r, now, Map.of("expires_at", r.expiresAt().orElseThrow().toString()));
  }

  /** An approved request whose window closed before it could be granted. */
  public static RequestStore.Change expiredBeforeGrant(AccessRequest r, Instant now) {
    return expired(r, now, Map.of("note", "window ended before the grant"));
  }

  /** APPROVED or ACTIVE to REVOKED by {@code actor}, with the removal due at once. */
  public static AccessRequest revoked(AccessRequest r, Instant now, Actor actor) {
    return r.withState(RequestState.REVOKED)
        .withEnd(now, actor)
        .withGrantPresent(true)
        .withRetry(0, Optional.of(now));
  }

  private static RequestStore.Change change(
      AccessRequest r,
      AccessRequest next,
      AuditAction action,
      Instant now,
      Map<String, String> details) {
    return new RequestStore.Change(r, next, List.of(AuditEvents.system(r, now, action, details)));
  }
}
