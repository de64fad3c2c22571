package dev.latchkey.storage;

import dev.latchkey.core.StoredAuditEvent;
import java.io.IOException;
import java.util.List;

/**
 * Where committed audit events are forwarded (the operator's log pipeline). Called after the transaction that
 * appended them has committed, in sequence order within one transaction; a sink that fails is logged and skipped,
 * it never undoes the change. The database remains the record: a line missed by a sink is still in the chain.
 */
public interface AuditSink extends AutoCloseable {

  void write(List<StoredAuditEvent> events) throws IOException;

  @Override
  default void close() throws IOException {}
}
