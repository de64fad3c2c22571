package dev.latchkey.core.session;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.audit.SessionAuditEvents;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.RecordingDelivery;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.port.SessionStore.SessionRecord;
import dev.latchkey.core.rules.ApproverCheck;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;

/**
 * An approver of the customer asks for an ended session's recording and gets it privately, never in
 * a channel; nobody else gets it: not the requester (nor a second account of theirs), not another
 * customer's approvers. The recording is checked against the SHA-256 its {@code session.ended}
 * event holds before it leaves. Sending, failing to send and every refusal are audited.
 */
public final class SendRecording {
  private final RequestStore requests;
  private final SessionStore sessions;
  private final AuditLog audit;
  private final ApproverCheck approvers;
  private final RecordingDelivery delivery;
  private final Clock clock;

  public SendRecording(
      RequestStore requests,
      SessionStore sessions,
      AuditLog audit,
      ApproverCheck approvers,
      RecordingDelivery delivery,
      Clock clock) {
    this.requests = requests;
    this.sessions = sessions;
    this.audit = audit;
    this.approvers = approvers;
    this.delivery = delivery;
    this.clock = clock;
  }

  /** Sends session {@code id} of a grant of {@code customer} (the channel's) to {@code actor}. */
  public Result send(CustomerId customer, SessionId id, Actor.SlackUser actor) {
    Optional<SessionRecord> found = sessions.session(id);
    Optional<AccessRequest> request =
        found
            .flatMap(s -> requests.find(s.session().requestId()))
            .filter(r -> r.cluster().customer().equals(customer));
    if (found.isEmpty() || request.isEmpty()) {
      return new Result.NotFound(id.value());
    }
    SessionRecord record = found.get();
    AccessRequest r = request.get();
    if (r.requester().isSamePerson(actor)) {
      return refused(r, id, actor, Refusal.of(Refusal.Reason.OWN_SESSION));
    }
    Optional<Refusal> notApprover = approvers.approver(customer, actor);
    if (notApprover.isPresent()) {
      return refused(r, id, actor, notApprover.get());
    }
    if (!record.session().kind().recorded()) {
      return refused(r, id, actor, Refusal.of(Refusal.Reason.NOT_RECORDED));
    }
    if (record.end().isEmpty()) {
      return refused(r, id, actor, Refusal.of(Refusal.Reason.SESSION_OPEN));
    }
    SessionEnd end = record.end().get();
    if (end.recordingSha256().isEmpty()) {
      return refused(r, id, actor, Refusal.of(Refusal.Reason.NOT_RECORDED));
    }
    byte[] cast = sessions.recording(id).orElse(new byte[0]);
    String sha256 = sha256(cast);
    if (!sha256.equals(end.recordingSha256().get())) {
      return refused(r, id, actor, Refusal.of(Refusal.Reason.RECORDING_ALTERED));
    }
    SessionRecording recording = new SessionRecording(record.session(), end, r, cast, sha256);
    return switch (delivery.deliver(actor, recording)) {
      case RecordingDelivery.Delivery.Delivered delivered -> {
        audit.append(
            SessionAuditEvents.recordingSent(recording, clock.instant(), actor, delivered.where()));
        yield new Result.Sent(recording);
      }
      case RecordingDelivery.Delivery.Failed failed -> {
        audit.append(
            SessionAuditEvents.recordingNotDelivered(
                recording, clock.instant(), actor, failed.error()));
        yield new Result.NotDelivered(recording, failed.error());
      }
    };
  }

  private Result refused(AccessRequest r, SessionId id, Actor.SlackUser actor, Refusal why) {
    audit.append(SessionAuditEvents.recordingRefused(r, id, clock.instant(), actor, why.reason()));
    return new Result.Refused(why.with(Refusal.Fact.SESSION, id.value()));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** What asking for a recording gave. */
  public sealed interface Result {
    /** Delivered privately to the one who asked. */
    record Sent(SessionRecording recording) implements Result {}

    /** Allowed, but the delivery failed; nothing reached anyone. */
    record NotDelivered(SessionRecording recording, String error) implements Result {}

    record Refused(Refusal refusal) implements Result {}

    /** No such session of this customer's grants. */
    record NotFound(String typedId) implements Result {}
  }
}
