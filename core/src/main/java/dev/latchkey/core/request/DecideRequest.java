package dev.latchkey.core.request;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.Transition;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.grant.Endings;
import dev.latchkey.core.grant.GrantExecutor;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.rules.ApproverCheck;
import dev.latchkey.core.rules.DecisionRules;
import dev.latchkey.core.rules.EnablementRules;
import dev.latchkey.core.rules.PendingWindow;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An approver approves or denies a pending request. The checks run here on every decision, whatever
 * the UI showed: never the requester, only the customer's own approvers, only while the cluster and
 * role are enabled and the configuration still allows the request. Enough distinct approvals
 * approve it and start its grant; a refusal is audited and changes nothing.
 */
public final class DecideRequest {
  private final ClusterSettings settings;
  private final Transition transition;
  private final AuditLog audit;
  private final ApproverCheck approvers;
  private final GrantExecutor grants;
  private final Clock clock;

  public DecideRequest(
      ClusterSettings settings,
      Transition transition,
      AuditLog audit,
      ApproverCheck approvers,
      GrantExecutor grants,
      Clock clock) {
    this.settings = settings;
    this.transition = transition;
    this.audit = audit;
    this.approvers = approvers;
    this.grants = grants;
    this.clock = clock;
  }

  public Result decide(Decision d) {
    Optional<AccessRequest> found = transition.find(d.id());
    if (found.isEmpty()) {
      return new Result.NotFound(d.id().value());
    }
    Map<String, String> details = AuditEvents.withMethod(recorded(d), d.method());
    return transition.run(found.get(), r -> step(r, d, details));
  }

  private Transition.Step<Result> step(AccessRequest r, Decision d, Map<String, String> details) {
    if (d.writtenReply().isPresent() && alreadyCounted(r, d.writtenReply().get())) {
      return Transition.stop(new Result.AlreadyCounted(r));
    }
    Optional<Refusal> refusal = approvers.decider(r, d.approver());
    if (refusal.isEmpty()
        && r.state() == RequestState.PENDING
        && d.verdict() == Decision.Verdict.APPROVE) {
      refusal = EnablementRules.refusal(settings.enablement(r.cluster()), r.cluster(), r.role());
    }
    if (refusal.isPresent()) {
      if (refusal.get().reason() == Refusal.Reason.APPROVER_UNVERIFIED
          && d.writtenReply().isPresent()) {
        // Not "no" but "not now": nothing is recorded, and the reply is decided once Slack answers.
        return Transition.stop(new Result.Deferred(r));
      }
      return Transition.stop(refuse(r, d, refusal.get(), details));
    }
    if (r.state() != RequestState.PENDING) {
      return Transition.stop(new Result.AlreadyDecided(r));
    }
    Instant now = clock.instant();
    Instant at = PendingWindow.decisionInstant(r, d.madeAt(), now);
    if (PendingWindow.passed(r, at)) {
      return Transition.stop(new Result.AlreadyDecided(timeOut(r, now)));
    }
    return switch (d.verdict()) {
      case DENY -> {
        AccessRequest next =
            r.withState(RequestState.DENIED)
                .withDecision(at, d.approver())
                .withEnd(at, d.approver());
        yield Transition.commit(
            next, List.of(AuditEvents.denied(r, now, d.approver(), details)), Result.Denied::new);
      }
      case APPROVE -> approve(r, d, details, now, at);
    };
  }

  private Transition.Step<Result> approve(
      AccessRequest r, Decision d, Map<String, String> details, Instant now, Instant at) {
    if (r.approvedBy(d.approver())) {
      return Transition.stop(
          new Result.AwaitingMoreApprovals(r, r.approvals().size(), r.approvalsRequired()));
    }
    // The rules as they stand now, not as they stood at submission: a role since removed or
    // shortened, an approval count since raised, an earlier approver since removed from the role.
    Optional<ClusterPolicy> policy = settings.policy(r.cluster());
    Optional<RoleDefinition> role = policy.flatMap(p -> p.role(r.role()));
    Optional<Refusal> notApprovable =
        policy.isEmpty()
            ? Optional.of(
                Refusal.of(Refusal.Reason.UNKNOWN_ROLE)
                    .with(Refusal.Fact.ROLE, r.role())
                    .with(Refusal.Fact.CLUSTER, r.cluster().name()))
            : DecisionRules.stillApprovable(r, policy.get(), role);
    if (notApprovable.isPresent()) {
      return Transition.stop(refuse(r, d, notApprovable.get(), details));
    }
    int required = DecisionRules.approvalsRequired(r, role.get());
    List<Approval> approvals = new ArrayList<>();
    List<String> withdrawn = new ArrayList<>();
    for (Approval earlier : r.approvals()) {
      if (approvers.approver(r.cluster().customer(), earlier.approver()).isEmpty()) {
        approvals.add(earlier);
      } else {
        withdrawn.add(earlier.approver().audit());
      }
    }
    approvals.add(new Approval(d.approver(), at, d.method()));
    Map<String, String> given =
        AuditEvents.withExtra(details, "approvals", approvals.size() + " of " + required);
    if (!withdrawn.isEmpty()) {
      given = AuditEvents.withExtra(given, "no_longer_approvers", String.join(",", withdrawn));
    }
    List<AuditEvent> events = new ArrayList<>();
    events.add(AuditEvents.approvalGiven(r, now, d.approver(), given));
    AccessRequest next = r.withApprovals(approvals).withApprovalsRequired(required);
    if (approvals.size() < required) {
      int count = approvals.size();
      return Transition.commit(
          next, events, stored -> new Result.AwaitingMoreApprovals(stored, count, required));
    }
    Optional<Instant> end = approvedEnd(r, at);
    if (end.isEmpty()) {
      return Transition.stop(refuse(r, d, Refusal.of(Refusal.Reason.NOT_ACTIVE), details));
    }
    if (r.kind() == RequestKind.EXTENSION) {
      Optional<Refusal> tooLong = DecisionRules.extensionEnd(r, role.get(), at, end.get());
      if (tooLong.isPresent()) {
        return Transition.stop(refuse(r, d, tooLong.get(), details));
      }
    }
    next =
        next.withState(RequestState.APPROVED)
            .withDecision(at, d.approver())
            .withExpiresAt(end.get())
            .withGrantPresent(r.kind() == RequestKind.ACCESS)
            .withRetry(0, Optional.of(now.plus(GrantExecutor.GRANT_LEASE)));
    events.add(AuditEvents.approved(r, now, d.approver(), details, end.get()));
    return Transition.commit(next, events, stored -> new Result.Approved(grants.carryOut(stored)));
  }

  /**
   * Access: from the approval for the requested duration. Extension: the original's end moved on by
   * it; empty when the original is no longer active. Ended means ended, also when the timers have
   * not recorded it yet: an approval read back late (written before the end, applied after it) must
   * not bring access back.
   */
  private Optional<Instant> approvedEnd(AccessRequest r, Instant at) {
    if (r.kind() == RequestKind.ACCESS) {
      return Optional.of(DecisionRules.accessEnd(r, at));
    }
    Optional<AccessRequest> original = transition.find(r.extendsRequest().orElseThrow());
    if (original.isEmpty()
        || original.get().state() != RequestState.ACTIVE
        || !original.get().expiresAt().orElseThrow().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(
        DecisionRules.extendedEnd(original.get().expiresAt().orElseThrow(), r.duration()));
  }

  private Result refuse(AccessRequest r, Decision d, Refusal refusal, Map<String, String> details) {
    audit.append(
        AuditEvents.decisionRefused(r, clock.instant(), d.approver(), refusal.reason(), details));
    return new Result.Refused(refusal);
  }

  /** PENDING to TIMED_OUT; the request as it then stands (timed out here or by someone else). */
  private AccessRequest timeOut(AccessRequest r, Instant now) {
    return grants
        .commit(Endings.timedOut(r, now))
        .orElseGet(() -> transition.find(r.id()).orElse(r));
  }

  /**
   * Whether this written reply already decided, or was refused for good, on this request (Slack
   * retries, restarts). Its ts is recorded with every decision it made; a refusal because Slack
   * could not be asked does not count.
   */
  private boolean alreadyCounted(AccessRequest r, String replyTs) {
    for (StoredAuditEvent stored : audit.forRequest(r.id())) {
      AuditEvent event = stored.event();
      if (replyTs.equals(event.details().get(MESSAGE_TS))
          && !(event.result() == AuditResult.REFUSED
              && Refusal.Reason.APPROVER_UNVERIFIED.name().equals(event.details().get("reason")))) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, String> recorded(Decision d) {
    return d.writtenReply()
        .map(ts -> AuditEvents.withExtra(d.details(), MESSAGE_TS, ts))
        .orElse(d.details());
  }

  /** The audit detail that records which written reply made a decision. */
  public static final String MESSAGE_TS = "message_ts";

  /** What a decision did. */
  public sealed interface Result {
    /** Approved by enough distinct approvers; {@code request} as it stands after the grant. */
    record Approved(AccessRequest request) implements Result {}

    record AwaitingMoreApprovals(AccessRequest request, int given, int required)
        implements Result {}

    record Denied(AccessRequest request) implements Result {}

    /** The approver may not decide this, or the configuration no longer allows the request. */
    record Refused(Refusal refusal) implements Result {}

    /** Someone or something decided first; the request as it now stands. */
    record AlreadyDecided(AccessRequest request) implements Result {}

    /** This written reply was already counted (or refused for good) on this request. */
    record AlreadyCounted(AccessRequest request) implements Result {}

    /**
     * A written reply whose approver role Slack could not confirm just now: nothing is recorded,
     * and it is decided once Slack answers.
     */
    record Deferred(AccessRequest request) implements Result {}

    record NotFound(String typedId) implements Result {}
  }
}
