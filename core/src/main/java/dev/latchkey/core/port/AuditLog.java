package dev.latchkey.core.port;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import java.util.List;

/** The append-only, hash-chained audit trail (events about requests are also written by {@link RequestStore}). */
public interface AuditLog {

  void append(AuditEvent event);

  List<StoredAuditEvent> forRequest(RequestId id);

  /** The newest events of one customer, newest first. */
  List<StoredAuditEvent> recent(CustomerId customer, int limit);

  /** Walks the whole chain and reports the first broken link. */
  ChainCheck verify();

  sealed interface ChainCheck {
    record Intact(long events) implements ChainCheck {}

    record Broken(long sequence, String problem) implements ChainCheck {}
  }
}
