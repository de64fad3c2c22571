package dev.latchkey.core.port;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import java.util.List;
import java.util.Objects;

/**
 * The append-only, hash-chained audit trail (events about requests are also written by {@link
 * RequestStore}).
 */
public interface AuditLog {

  void append(AuditEvent event);

  List<StoredAuditEvent> forRequest(RequestId id);

  /** The newest events of one customer, newest first. */
  List<StoredAuditEvent> recent(CustomerId customer, int limit);

  /** Walks the whole chain and reports the first broken link. */
  ChainCheck verify();

  /**
   * The end of the chain as the log records it: the last sequence number and its hash. Written down
   * outside the database, it lets a later check notice the chain was cut short and rewritten, which
   * no check inside can.
   */
  ChainHead head();

  sealed interface ChainCheck {
    record Intact(long events) implements ChainCheck {}

    record Broken(long sequence, String problem) implements ChainCheck {}
  }

  /** Sequence 0 and the genesis hash (64 zeros) for an empty chain. */
  record ChainHead(long sequence, String hash) {
    public ChainHead {
      if (sequence < 0) {
        throw new IllegalArgumentException("a chain head sequence is never negative: " + sequence);
      }
      Objects.requireNonNull(hash, "hash");
    }
  }
}
