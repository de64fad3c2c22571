package dev.latchkey.core.audit;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.PlainText;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.SessionRecording;
import java.time.Instant;
import java.util.Map;

/**
 * The audit events of reviewing a grant's gateway sessions: who was refused its activity, who was
 * sent a recording (size and SHA-256, the same as in the session's {@code session.ended}), who was
 * refused one.
 */
public final class SessionAuditEvents {
  private SessionAuditEvents() {}

  public static AuditEvent activityRefused(
      AccessRequest r, Instant now, Actor actor, Refusal.Reason reason) {
    return AuditEvent.about(
        r,
        now,
        actor,
        AuditAction.ACTIVITY_REFUSED,
        AuditResult.REFUSED,
        Map.of("reason", reason.name()));
  }

  /** The recording reached {@code recipient} privately ({@code where}: the DM conversation). */
  public static AuditEvent recordingSent(
      SessionRecording recording, Instant now, Actor.SlackUser recipient, String where) {
    return AuditEvent.about(
        recording.request(),
        now,
        recipient,
        AuditAction.RECORDING_SENT,
        AuditResult.OK,
        Map.of(
            "session", recording.session().id().value(),
            "recipient", recipient.audit(),
            "delivered_to", PlainText.clean(where),
            "recording_bytes", Long.toString(recording.bytes()),
            "recording_sha256", recording.sha256()));
  }

  /** The recording was allowed but could not be delivered. */
  public static AuditEvent recordingNotDelivered(
      SessionRecording recording, Instant now, Actor.SlackUser recipient, String error) {
    return AuditEvent.about(
        recording.request(),
        now,
        recipient,
        AuditAction.RECORDING_SENT,
        AuditResult.FAILED,
        Map.of(
            "session", recording.session().id().value(),
            "recipient", recipient.audit(),
            "recording_bytes", Long.toString(recording.bytes()),
            "recording_sha256", recording.sha256(),
            "error", PlainText.clean(error)));
  }

  public static AuditEvent recordingRefused(
      AccessRequest r, SessionId session, Instant now, Actor actor, Refusal.Reason reason) {
    return AuditEvent.about(
        r,
        now,
        actor,
        AuditAction.RECORDING_REFUSED,
        reason == Refusal.Reason.RECORDING_ALTERED ? AuditResult.FAILED : AuditResult.REFUSED,
        Map.of("session", session.value(), "reason", reason.name()));
  }
}
