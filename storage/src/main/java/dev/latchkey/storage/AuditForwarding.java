package dev.latchkey.storage;

import java.util.Objects;
import java.util.Optional;

/**
 * Where forwarding to one sink stands: the last event it has received, the chain head, and why the
 * last attempt failed if it did (it is retried until it succeeds).
 */
public record AuditForwarding(String sink, long forwarded, long head, Optional<String> failure) {
  public AuditForwarding {
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(failure, "failure");
  }

  /** Events committed but not yet received by this sink. */
  public long behind() {
    return Math.max(0, head - forwarded);
  }
}
