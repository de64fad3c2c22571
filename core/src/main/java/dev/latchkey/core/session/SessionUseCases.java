package dev.latchkey.core.session;

import dev.latchkey.core.Customers;
import dev.latchkey.core.port.ApproverDirectory;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.RecordingDelivery;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.rules.ApproverCheck;
import java.time.Clock;

/**
 * The use cases that show people what went through the gateway, built once over their ports: a
 * grant's activity, and a recording for an approver. (What the card shows, {@link GrantSessions},
 * needs only the store.)
 */
public record SessionUseCases(GrantActivity activity, SendRecording recording) {

  /** What these use cases need from the world. */
  public record Ports(
      Customers customers,
      RequestStore requests,
      SessionStore sessions,
      AuditLog audit,
      ApproverDirectory directory,
      RecordingDelivery delivery) {}

  public static SessionUseCases wire(Ports p, Clock clock) {
    ApproverCheck approvers = new ApproverCheck(p.customers(), p.directory());
    return new SessionUseCases(
        new GrantActivity(p.requests(), p.sessions(), p.audit(), approvers, clock),
        new SendRecording(p.requests(), p.sessions(), p.audit(), approvers, p.delivery(), clock));
  }
}
