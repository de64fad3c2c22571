package dev.latchkey.core.grant;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.PlainText;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.Transition;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Carries out what the records decided: grants an approved request (or applies an approved
 * extension to its original), removes what the cluster holds for an ended one, and on failure
 * schedules the next try with the configured backoff. It never decides a request's fate beyond what
 * the cluster answered.
 */
public final class GrantExecutor {
  /**
   * The approving caller carries out the grant itself; the timers take over only if it has not
   * finished (or died) within this lease, so one approval is not granted twice at once.
   */
  public static final Duration GRANT_LEASE = Duration.ofSeconds(30);

  private final ClusterSettings settings;
  private final Transition transition;
  private final ClusterAccess clusters;
  private final Notifier notifier;
  private final Clock clock;
  private final RetryPolicy retry;

  public GrantExecutor(
      ClusterSettings settings,
      Transition transition,
      ClusterAccess clusters,
      Notifier notifier,
      Clock clock,
      RetryPolicy retry) {
    this.settings = settings;
    this.transition = transition;
    this.clusters = clusters;
    this.notifier = notifier;
    this.clock = clock;
    this.retry = retry;
  }

  /**
   * An APPROVED request: grant it (access) or apply it to its original (extension); expire it if
   * its window closed first. Returns the request as it then stands.
   */
  public AccessRequest carryOut(AccessRequest r) {
    Instant now = clock.instant();
    if (r.kind() == RequestKind.EXTENSION) {
      return applyExtension(r, now);
    }
    if (!r.expiresAt().orElseThrow().isAfter(now)) {
      return commit(Endings.expiredBeforeGrant(r, now)).map(this::remove).orElse(r);
    }
    Optional<String> blocked =
        GrantPlanner.blocked(r, settings.policy(r.cluster()), settings.enablement(r.cluster()));
    if (blocked.isPresent()) {
      // Nothing was created for it; the removal that follows FAILED only confirms that.
      AccessRequest next =
          r.withState(RequestState.FAILED)
              .withFailure(blocked.get())
              .withEnd(now, Actor.SYSTEM)
              .withRetry(0, Optional.of(now));
      return failed(r, next, now, PlainText.clean(blocked.get()))
          .map(this::remove)
          .orElseGet(() -> afterLostRace(r));
    }
    ClusterAccess.Grant grant =
        GrantPlanner.desiredGrant(r, settings.policy(r.cluster()).orElseThrow());
    return switch (clusters.grant(grant)) {
      case GrantResult.Granted granted -> {
        AccessRequest next =
            r.withState(RequestState.ACTIVE).withGrantedAt(now).withRetry(0, Optional.empty());
        AuditEvent created =
            AuditEvents.system(
                r,
                now,
                AuditAction.GRANT_CREATED,
                Map.of(
                    "cluster_role",
                    grant.clusterRole(),
                    "subject",
                    GrantPlanner.describe(grant.subject()),
                    "expires_at",
                    r.expiresAt().orElseThrow().toString()));
        yield transition.once(r, next, List.of(created), true).orElseGet(() -> afterLostRace(r));
      }
      case GrantResult.Refused refused -> {
        // A refused grant leaves nothing in the cluster (the adapter's promise): nothing to remove.
        String error = PlainText.clean(refused.message());
        AccessRequest next =
            r.withState(RequestState.FAILED)
                .withFailure(error)
                .withEnd(now, Actor.SYSTEM)
                .withGrantPresent(false)
                .withRetry(0, Optional.empty());
        yield failed(r, next, now, error).orElseGet(() -> afterLostRace(r));
      }
      case GrantResult.Unavailable unavailable -> {
        Instant approvedAt = r.decidedAt().orElse(r.createdAt());
        if (!approvedAt.plus(retry.grantGiveUp()).isAfter(now)) {
          String error =
              PlainText.clean(
                  GrantFailures.unreachable(retry.grantGiveUp(), unavailable.message()));
          AccessRequest next =
              r.withState(RequestState.FAILED)
                  .withFailure(error)
                  .withEnd(now, Actor.SYSTEM)
                  .withRetry(0, Optional.of(now));
          yield failed(r, next, now, error).map(this::remove).orElse(r);
        }
        int attempts = r.attempts() + 1;
        AccessRequest next = r.withRetry(attempts, Optional.of(now.plus(retry.backoff(attempts))));
        List<AuditEvent> events =
            attempts == 1
                ? List.of(
                    AuditEvents.system(
                        r,
                        now,
                        AuditAction.GRANT_RETRY,
                        Map.of("error", PlainText.clean(unavailable.message()))))
                : List.of();
        yield transition.once(r, next, events, false).orElseGet(() -> afterLostRace(r));
      }
    };
  }

  /**
   * Removes what the cluster holds for a final request; on failure schedules the next try and says
   * so when the removal is overdue. Returns the request as it then stands.
   */
  public AccessRequest remove(AccessRequest r) {
    if (!r.grantPresent()) {
      return r;
    }
    Instant now = clock.instant();
    return switch (clusters.revoke(GrantPlanner.footprint(r))) {
      case RemovalResult.Removed removed -> {
        AccessRequest next = r.withGrantPresent(false).withRetry(0, Optional.empty());
        AuditEvent event =
            AuditEvents.system(
                r,
                now,
                AuditAction.GRANT_REMOVED,
                Map.of(
                    "attempts",
                    Integer.toString(r.attempts() + 1),
                    "objects_deleted",
                    Integer.toString(removed.deleted())));
        yield transition
            .once(r, next, List.of(event), true)
            .orElseGet(() -> transition.find(r.id()).orElse(r));
      }
      case RemovalResult.Unavailable unavailable -> {
        int attempts = r.attempts() + 1;
        AccessRequest next = r.withRetry(attempts, Optional.of(now.plus(retry.backoff(attempts))));
        List<AuditEvent> events =
            attempts == 1
                ? List.of(
                    AuditEvents.system(
                        r,
                        now,
                        AuditAction.GRANT_REMOVAL_RETRY,
                        Map.of("error", PlainText.clean(unavailable.message()))))
                : List.of();
        AccessRequest stored = transition.once(r, next, events, false).orElse(r);
        if (isOverdue(stored, now)) {
          notifier.revocationOverdue(stored);
        }
        yield stored;
      }
    };
  }

  /** Commits an ending (an expiry, a time-out) and announces it; empty when it lost a race. */
  public Optional<AccessRequest> commit(RequestStore.Change change) {
    return transition.once(change.current(), change.next(), change.events(), true);
  }

  /** Whether what the cluster holds for {@code r} should have been gone a while ago. */
  public boolean isOverdue(AccessRequest r, Instant now) {
    return r.removalDueSince()
        .map(since -> !since.plus(retry.overdueNotice()).isAfter(now))
        .orElse(false);
  }

  private Optional<AccessRequest> failed(
      AccessRequest r, AccessRequest next, Instant now, String error) {
    return transition.once(
        r,
        next,
        List.of(AuditEvents.system(r, now, AuditAction.GRANT_FAILED, Map.of("error", error))),
        true);
  }

  /**
   * A grant step lost a race. If the request was ended meanwhile (revoked, expired), its clean-up
   * may already have run, before this grant (re-)created objects: remove them again rather than
   * leave them to reconciliation.
   */
  private AccessRequest afterLostRace(AccessRequest r) {
    AccessRequest current = transition.find(r.id()).orElse(r);
    if (!current.state().isFinal()) {
      return current;
    }
    return transition.run(
        current,
        ended ->
            Transition.quietly(
                ended.withGrantPresent(true).withRetry(0, Optional.of(clock.instant())),
                List.of(),
                this::remove));
  }

  private AccessRequest applyExtension(AccessRequest extension, Instant now) {
    AccessRequest original =
        transition.find(extension.extendsRequest().orElseThrow()).orElseThrow();
    return transition.run(original, current -> extend(extension, current, now));
  }

  private Transition.Step<AccessRequest> extend(
      AccessRequest extension, AccessRequest original, Instant now) {
    Instant newEnd = extension.expiresAt().orElseThrow();
    if (original.state() != RequestState.ACTIVE
        || !original.expiresAt().orElseThrow().isAfter(now)) {
      return Transition.stop(
          failExtension(
              extension, now, GrantFailures.ORIGINAL_ENDED, GrantFailures.ORIGINAL_ENDED_AUDIT));
    }
    // As for a grant: a disable, or a role taken out of the configuration, since the approval is
    // not outrun.
    Optional<String> blocked =
        GrantPlanner.blocked(
            extension,
            settings.policy(extension.cluster()),
            settings.enablement(extension.cluster()));
    if (blocked.isPresent()) {
      return Transition.stop(failExtension(extension, now, blocked.get(), blocked.get()));
    }
    if (!original.expiresAt().orElseThrow().isBefore(newEnd)) {
      return Transition.stop(markApplied(extension, now));
    }
    AccessRequest longer = original.withExpiresAt(newEnd).withReminderSent(false);
    AuditEvent event =
        AuditEvents.extended(
            original, now, extension.decidedBy().orElse(Actor.SYSTEM), extension.id(), newEnd);
    return Transition.commit(longer, List.of(event), stored -> markApplied(extension, now));
  }

  private AccessRequest markApplied(AccessRequest extension, Instant now) {
    AccessRequest done = extension.withGrantedAt(now).withRetry(0, Optional.empty());
    return transition.once(extension, done, List.of(), false).orElse(extension);
  }

  /**
   * An approved extension that will not be applied: FAILED, with why for the card and for the audit
   * trail.
   */
  private AccessRequest failExtension(
      AccessRequest extension, Instant now, String failure, String auditError) {
    AccessRequest next =
        extension
            .withState(RequestState.FAILED)
            .withEnd(now, Actor.SYSTEM)
            .withFailure(failure)
            .withRetry(0, Optional.empty());
    return failed(extension, next, now, auditError).orElse(extension);
  }
}
