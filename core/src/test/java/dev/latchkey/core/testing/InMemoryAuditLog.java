package dev.latchkey.core.testing;

import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An audit log in a list; the chain is not hashed (storage tests cover that). */
public final class InMemoryAuditLog implements AuditLog {
  private final List<StoredAuditEvent> events = new ArrayList<>();

  @Override
  public synchronized void append(AuditEvent event) {
    long seq = events.size() + 1;
    events.add(new StoredAuditEvent(seq, event, "", Long.toString(seq)));
  }

  public synchronized void appendAll(List<AuditEvent> batch) {
    batch.forEach(this::append);
  }

  @Override
  public synchronized List<StoredAuditEvent> forRequest(RequestId id) {
    return events.stream().filter(e -> e.event().requestId().equals(Optional.of(id))).toList();
  }

  @Override
  public synchronized List<StoredAuditEvent> recent(CustomerId customer, int limit) {
    return events.reversed().stream()
        .filter(e -> e.event().customer().equals(Optional.of(customer)))
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized ChainCheck verify() {
    return new ChainCheck.Intact(events.size());
  }

  @Override
  public synchronized ChainHead head() {
    return events.isEmpty()
        ? new ChainHead(0, "0".repeat(64))
        : new ChainHead(events.size(), events.getLast().hash());
  }

  public synchronized List<AuditEvent> all() {
    return events.stream().map(StoredAuditEvent::event).toList();
  }

  public synchronized List<AuditAction> actions(RequestId id) {
    return forRequest(id).stream().map(e -> e.event().action()).toList();
  }

  public synchronized long count(AuditAction action) {
    return events.stream().filter(e -> e.event().action() == action).count();
  }
}
