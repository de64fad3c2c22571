package dev.latchkey.core.port;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterRef;
import java.util.Optional;

/** Runtime on/off state of support access per cluster; empty means never changed, i.e. disabled. */
public interface EnablementStore {

  Optional<ClusterEnablement> find(ClusterRef cluster);

  /** Stores the new state and its audit event in one transaction. */
  void save(ClusterEnablement enablement, AuditEvent event);

  /**
   * The same, only if the stored state is still {@code expected} (empty: never changed); otherwise
   * nothing is written and the answer is false. For a change decided on a state read earlier, which
   * a later change (a {@code disable --now}) must not be overwritten by.
   */
  boolean saveIf(
      Optional<ClusterEnablement> expected, ClusterEnablement enablement, AuditEvent event);
}
