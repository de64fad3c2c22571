package dev.latchkey.storage;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Requests in every state, events and databases for the storage tests. */
final class TestData {
  /** Clocks give nanoseconds; storage must keep them. */
  static final Instant T0 = Instant.parse("2026-03-01T10:15:30.123456789Z");

  private static final String ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

  private TestData() {}

  /** A distinct, valid request id for each number. */
  static RequestId id(int n) {
    StringBuilder s = new StringBuilder();
    long v = n;
    for (int i = 0; i < 8; i++) {
      s.insert(0, ID_ALPHABET.charAt((int) (v % 32)));
      v /= 32;
    }
    return new RequestId("ar-" + s);
  }

  static AccessRequest pending(RequestId id, Instant now) {
    return pending(id, now, Fixtures.PROD, Scope.CLUSTER);
  }

  static AccessRequest pending(RequestId id, Instant now, ClusterRef cluster, Scope scope) {
    return AccessRequest.submitted(
        id,
        RequestKind.ACCESS,
        Optional.empty(),
        cluster,
        "readonly",
        scope,
        CredentialMode.TOKEN,
        Fixtures.REQUESTER,
        "INC-1234 pods crash-looping",
        Duration.ofHours(1),
        now,
        Duration.ofHours(2),
        1);
  }

  /**
   * A plausible request in {@code state}, submitted at {@code now}: decided a second later, granted
   * two seconds later, ended an hour later; final states that may still hold a grant have {@code
   * grantPresent}.
   */
  static AccessRequest inState(RequestState state, RequestId id, Instant now, Scope scope) {
    AccessRequest pending = pending(id, now, Fixtures.PROD, scope);
    Instant decided = now.plusSeconds(1);
    Instant granted = now.plusSeconds(2);
    Instant ended = now.plus(Duration.ofHours(1));
    AccessRequest approved =
        pending
            .withApprovals(List.of(new Approval(Fixtures.APPROVER, decided, DecisionMethod.BUTTON)))
            .withState(RequestState.APPROVED)
            .withDecision(decided, Fixtures.APPROVER)
            .withExpiresAt(decided.plus(pending.duration()))
            .withGrantPresent(true)
            .withRetry(0, Optional.of(decided));
    AccessRequest active =
        approved
            .withState(RequestState.ACTIVE)
            .withGrantedAt(granted)
            .withRetry(0, Optional.empty());
    return switch (state) {
      case PENDING -> pending;
      case APPROVED -> approved;
      case ACTIVE -> active;
      case EXPIRED ->
          active
              .withState(RequestState.EXPIRED)
              .withEnd(ended, Actor.SYSTEM)
              .withGrantPresent(false);
      case REVOKED ->
          active
              .withState(RequestState.REVOKED)
              .withEnd(ended, Fixtures.ENGINEER)
              .withRetry(3, Optional.of(ended.plusSeconds(4)));
      case DENIED ->
          pending
              .withState(RequestState.DENIED)
              .withDecision(decided, Fixtures.APPROVER)
              .withEnd(decided, Fixtures.APPROVER);
      case TIMED_OUT ->
          pending
              .withState(RequestState.TIMED_OUT)
              .withEnd(pending.pendingExpiresAt(), Actor.SYSTEM);
      case CANCELLED ->
          pending.withState(RequestState.CANCELLED).withEnd(decided, Fixtures.ENGINEER);
      case FAILED ->
          approved
              .withState(RequestState.FAILED)
              .withFailure("bindings are forbidden (403)")
              .withEnd(granted, Actor.SYSTEM)
              .withRetry(1, Optional.of(granted.plusSeconds(1)));
    };
  }

  static AuditEvent event(AccessRequest r, AuditAction action, Instant at) {
    return AuditEvent.about(
        r, at, Fixtures.APPROVER, action, AuditResult.OK, Map.of("note", action.eventName()));
  }
}
