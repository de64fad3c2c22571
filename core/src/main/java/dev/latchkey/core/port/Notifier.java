package dev.latchkey.core.port;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestId;

/**
 * Tells people about committed changes (card, thread, direct messages). Called after the change is
 * stored; it must not block for long nor throw, and it never decides anything.
 */
public interface Notifier {

  void requestChanged(AccessRequest request, AuditEvent cause);

  void expiringSoon(AccessRequest request);

  /** Access should have ended a while ago but the cluster could not be reached to remove it. */
  void revocationOverdue(AccessRequest request);

  /**
   * A gateway session of the grant opened or ended (stored already), so what shows its sessions
   * (the card) may be out of date. Called on the gateway's path: it only notes the change, many
   * calls close together cost one update, and a notifier that shows no sessions ignores it.
   */
  default void sessionsChanged(RequestId id) {}
}
