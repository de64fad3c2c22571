package dev.latchkey.storage;

import java.util.Objects;

/**
 * One audit event as it is forwarded: its sequence number, its hash, and its JSON line without the
 * line break (the canonical content with {@code hash} and {@code prev_hash} added, see {@link
 * AuditJson}).
 */
public record AuditLine(long sequence, String hash, String json) {
  public AuditLine {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(json, "json");
  }
}
