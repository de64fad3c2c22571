package dev.latchkey.storage;

import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.port.AuditLog.ChainHead;
import java.util.Objects;

/**
 * One walk of the audit chain: the head it was checked against, and what it found. Both from one
 * snapshot.
 */
public record AuditVerification(ChainHead head, ChainCheck check) {
  public AuditVerification {
    Objects.requireNonNull(head, "head");
    Objects.requireNonNull(check, "check");
  }

  public boolean intact() {
    return check instanceof ChainCheck.Intact;
  }
}
