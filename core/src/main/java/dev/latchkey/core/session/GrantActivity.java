package dev.latchkey.core.session;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.audit.SessionAuditEvents;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.port.SessionStore.SessionRecord;
import dev.latchkey.core.rules.ApproverCheck;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened through the gateway under a grant: its sessions (what ran where, when, how each
 * ended, how big) and its API requests counted, refused ones apart. Only for the requester and the
 * customer's approvers; anyone else is refused, and the refusal audited. Never the recordings
 * themselves ({@link SendRecording} hands those to approvers).
 */
public final class GrantActivity {
  private final RequestStore requests;
  private final SessionStore sessions;
  private final AuditLog audit;
  private final ApproverCheck approvers;
  private final Clock clock;

  public GrantActivity(
      RequestStore requests,
      SessionStore sessions,
      AuditLog audit,
      ApproverCheck approvers,
      Clock clock) {
    this.requests = requests;
    this.sessions = sessions;
    this.audit = audit;
    this.approvers = approvers;
    this.clock = clock;
  }

  /**
   * The activity of request {@code id} of {@code customer} (the channel's), as {@code actor} may
   * see it. An extension's id shows the activity of the access it extends.
   */
  public Result activity(CustomerId customer, RequestId id, Actor.SlackUser actor) {
    Optional<AccessRequest> found =
        requests.find(id).filter(r -> r.cluster().customer().equals(customer));
    if (found.isEmpty()) {
      return new Result.NotFound(id.value());
    }
    AccessRequest asked = found.get();
    Viewer viewer;
    if (asked.requester().isSamePerson(actor)) {
      // Whoever may be the requester sees what they did, never as a reviewer.
      if (!asked.requester().is(actor)) {
        Optional<Refusal> notApprover = approvers.approver(customer, actor);
        if (notApprover.isPresent()) {
          return refused(asked, actor, notApprover.get());
        }
      }
      viewer = Viewer.REQUESTER;
    } else {
      Optional<Refusal> notApprover = approvers.approver(customer, actor);
      if (notApprover.isPresent()) {
        return refused(asked, actor, notApprover.get());
      }
      viewer = Viewer.APPROVER;
    }
    AccessRequest grant =
        asked.kind() == RequestKind.EXTENSION
            ? asked.extendsRequest().flatMap(requests::find).orElse(asked)
            : asked;
    List<SessionRecord> newestFirst =
        sessions.sessions(grant.id()).stream()
            .sorted(
                Comparator.comparing((SessionRecord s) -> s.session().startedAt())
                    .thenComparing(s -> s.session().id().value())
                    .reversed())
            .toList();
    return new Result.Shown(
        new Activity(grant, viewer, newestFirst, RequestTotals.of(sessions.logCounts(grant.id()))));
  }

  private Result refused(AccessRequest r, Actor.SlackUser actor, Refusal why) {
    audit.append(SessionAuditEvents.activityRefused(r, clock.instant(), actor, why.reason()));
    return new Result.Refused(
        why.reason() == Refusal.Reason.APPROVER_UNVERIFIED
            ? why
            : Refusal.of(Refusal.Reason.NOT_ALLOWED).with(Refusal.Fact.REQUEST, r.id().value()));
  }

  /** Who is looking: what they did, or what they review. */
  public enum Viewer {
    /** The requester (or, for the rule that nobody reviews themself, someone who may be them). */
    REQUESTER,
    /** An approver of the customer, who may also ask for recordings. */
    APPROVER;

    public boolean receivesRecordings() {
      return this == APPROVER;
    }
  }

  /**
   * A grant's activity.
   *
   * @param request the access request (the original, when an extension's id was given)
   * @param sessions its gateway sessions, the newest first
   * @param requests its API requests through the gateway, counted
   */
  public record Activity(
      AccessRequest request, Viewer viewer, List<SessionRecord> sessions, RequestTotals requests) {
    public Activity {
      Objects.requireNonNull(request, "request");
      Objects.requireNonNull(viewer, "viewer");
      sessions = List.copyOf(sessions);
      Objects.requireNonNull(requests, "requests");
    }
  }

  /** What asking for a grant's activity gave. */
  public sealed interface Result {
    record Shown(Activity activity) implements Result {}

    record Refused(Refusal refusal) implements Result {}

    record NotFound(String typedId) implements Result {}
  }
}
