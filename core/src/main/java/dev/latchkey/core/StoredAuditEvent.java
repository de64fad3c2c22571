package dev.latchkey.core;

import java.util.Objects;

/**
 * An audit event as the chain holds it: its position and the hash that links it to the one before.
 */
public record StoredAuditEvent(long sequence, AuditEvent event, String previousHash, String hash) {
  public StoredAuditEvent {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(previousHash, "previousHash");
    Objects.requireNonNull(hash, "hash");
  }
}
