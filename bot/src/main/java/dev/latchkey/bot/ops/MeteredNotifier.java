package dev.latchkey.bot.ops;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.Notifier;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts what happens to requests as it is announced: {@code latchkey_events_total{event}} and
 * {@code latchkey_decisions_total{decision,method}} (button, thread_reply, command).
 */
public final class MeteredNotifier implements Notifier {
  private final Notifier delegate;
  private final MeterRegistry registry;

  public MeteredNotifier(Notifier delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  @Override
  public void requestChanged(AccessRequest request, AuditEvent cause) {
    registry.counter("latchkey.events", "event", cause.action().eventName()).increment();
    if (cause.action() == AuditAction.REQUEST_APPROVED
        || cause.action() == AuditAction.REQUEST_DENIED) {
      String decision = cause.action() == AuditAction.REQUEST_APPROVED ? "approve" : "deny";
      registry
          .counter(
              "latchkey.decisions",
              "decision",
              decision,
              "method",
              cause.details().getOrDefault("method", "unknown"))
          .increment();
    }
    delegate.requestChanged(request, cause);
  }

  @Override
  public void expiringSoon(AccessRequest request) {
    delegate.expiringSoon(request);
  }

  @Override
  public void sessionsChanged(RequestId id) {
    delegate.sessionsChanged(id);
  }

  @Override
  public void revocationOverdue(AccessRequest request) {
    // Called on every failed retry of an overdue removal (the channel hears once): a count of those
    // retries.
    registry.counter("latchkey.revocations.overdue.retries").increment();
    delegate.revocationOverdue(request);
  }
}
