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
}
