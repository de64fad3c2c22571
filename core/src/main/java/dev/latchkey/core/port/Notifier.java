package dev.latchkey.core.port;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;

/**
 * Tells people about committed changes (card, thread, direct messages). Called after the change is
 * stored; it must not block for long nor throw, and it never decides anything.
 */
public interface Notifier {

  void requestChanged(AccessRequest request, AuditEvent cause);

  void expiringSoon(AccessRequest request);

  /** Access should have ended a while ago but the cluster could not be reached to remove it. */
  void revocationOverdue(AccessRequest request);
}
