package dev.latchkey.core;

import io.soabase.recordbuilder.core.RecordBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A request for a role on a cluster, from submission to its final state, plus the bookkeeping its
 * side effects need to be retried safely: whether anything may exist in the cluster for it ({@code
 * grantPresent}), how often a grant or clean-up was tried and when the next try is due.
 *
 * <p>{@code expiresAt} is fixed when the request is approved (approval instant plus the requested
 * duration): a slow grant shortens the window, it never lengthens it. {@code version} increases
 * with every stored change and is what conditional updates compare.
 *
 * <p>Every field has a generated {@code withField(value)} (see {@link AccessRequestBuilder.With}),
 * so a new field is one edit; the methods below change fields that belong together.
 */
@RecordBuilder
public record AccessRequest(
    RequestId id,
    RequestKind kind,
    Optional<RequestId> extendsRequest,
    ClusterRef cluster,
    String role,
    Scope scope,
    CredentialMode credentials,
    Requester requester,
    String reason,
    Duration duration,
    Instant createdAt,
    Instant pendingExpiresAt,
    int approvalsRequired,
    List<Approval> approvals,
    RequestState state,
    Optional<Instant> decidedAt,
    Optional<Actor> decidedBy,
    Optional<Instant> grantedAt,
    Optional<Instant> expiresAt,
    Optional<Instant> endedAt,
    Optional<Actor> endedBy,
    Optional<String> failure,
    boolean grantPresent,
    int attempts,
    Optional<Instant> nextAttemptAt,
    boolean reminderSent,
    long version)
    implements AccessRequestBuilder.With {

  /** The requester is reminded this long before their access ends. */
  public static final Duration REMINDER_BEFORE_EXPIRY = Duration.ofMinutes(15);

  public AccessRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(extendsRequest, "extendsRequest");
    if ((kind == RequestKind.EXTENSION) != extendsRequest.isPresent()) {
      throw new IllegalArgumentException(
          "an extension names the request it extends, and only an extension");
    }
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(requester, "requester");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(pendingExpiresAt, "pendingExpiresAt");
    approvals = List.copyOf(approvals);
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(decidedAt, "decidedAt");
    Objects.requireNonNull(decidedBy, "decidedBy");
    Objects.requireNonNull(grantedAt, "grantedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(endedAt, "endedAt");
    Objects.requireNonNull(endedBy, "endedBy");
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
  }

  /** A new request as submitted: PENDING, nothing granted. */
  public static AccessRequest submitted(
      RequestId id,
      RequestKind kind,
      Optional<RequestId> extendsRequest,
      ClusterRef cluster,
      String role,
      Scope scope,
      CredentialMode credentials,
      Requester requester,
      String reason,
      Duration duration,
      Instant now,
      Duration pendingTtl,
      int approvalsRequired) {
    return new AccessRequest(
        id,
        kind,
        extendsRequest,
        cluster,
        role,
        scope,
        credentials,
        requester,
        reason,
        duration,
        now,
        now.plus(pendingTtl),
        approvalsRequired,
        List.of(),
        RequestState.PENDING,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        false,
        0,
        Optional.empty(),
        false,
        0);
  }

  /**
   * When the timers must next look at this request, or empty when never again. Storage indexes this
   * instant, so the timer's cost grows with what is due, not with how many requests exist.
   */
  public Optional<Instant> dueAt() {
    return switch (state) {
      case PENDING -> Optional.of(pendingExpiresAt);
      case APPROVED ->
          isOpen()
              ? Optional.of(nextAttemptAt.orElse(decidedAt.orElse(createdAt)))
              : Optional.empty();
      case ACTIVE -> {
        Instant expiry = expiresAt.orElseThrow();
        Instant reminder = expiry.minus(REMINDER_BEFORE_EXPIRY);
        yield Optional.of(!reminderSent && reminder.isBefore(expiry) ? reminder : expiry);
      }
      default ->
          grantPresent
              ? Optional.of(nextAttemptAt.orElse(endedAt.orElse(createdAt)))
              : Optional.empty();
    };
  }

  /**
   * Still in play: pending, being granted, or active. An approved extension is settled once applied
   * to its original (it then has {@code grantedAt}).
   */
  public boolean isOpen() {
    return switch (state) {
      case PENDING, ACTIVE -> true;
      case APPROVED -> kind == RequestKind.ACCESS || grantedAt.isEmpty();
      default -> false;
    };
  }

  /**
   * Access approved or active: its grant exists or is being made. Never an extension, which holds
   * nothing of its own and only moves its original's end (and stays APPROVED once applied).
   */
  public boolean holdsAccess() {
    return kind == RequestKind.ACCESS && state.holdsAccess();
  }

  /** Access ended (or the grant failed) but the cluster may still hold something of it. */
  public boolean revocationPending() {
    return state.isFinal() && grantPresent;
  }

  /** The instant from which anything of this grant still in the cluster is overdue. */
  public Optional<Instant> removalDueSince() {
    if (!revocationPending()) {
      return Optional.empty();
    }
    Instant ended = endedAt.orElse(createdAt);
    return Optional.of(expiresAt.filter(e -> e.isBefore(ended)).orElse(ended));
  }

  /**
   * Whether this user already approved; by user id, as for {@link Requester#is}, so approvers stay
   * distinct.
   */
  public boolean approvedBy(Actor.SlackUser user) {
    return approvals.stream().anyMatch(a -> a.approver().userId().equals(user.userId()));
  }

  /** Decided at {@code at} by {@code by} (approved or denied). */
  public AccessRequest withDecision(Instant at, Actor by) {
    return with().decidedAt(Optional.of(at)).decidedBy(Optional.of(by)).build();
  }

  public AccessRequest withGrantedAt(Instant at) {
    return withGrantedAt(Optional.of(at));
  }

  public AccessRequest withExpiresAt(Instant at) {
    return withExpiresAt(Optional.of(at));
  }

  /** Ended at {@code at} by {@code by} (denied, cancelled, timed out, expired, revoked, failed). */
  public AccessRequest withEnd(Instant at, Actor by) {
    return with().endedAt(Optional.of(at)).endedBy(Optional.of(by)).build();
  }

  public AccessRequest withFailure(String message) {
    return withFailure(Optional.of(message));
  }

  /** Tried {@code nextAttempts} times so far; next try due {@code at} (empty: none scheduled). */
  public AccessRequest withRetry(int nextAttempts, Optional<Instant> at) {
    return with().attempts(nextAttempts).nextAttemptAt(at).build();
  }
}
