package dev.latchkey.core.testing;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.port.EnablementStore;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Cluster switches in a map. */
public final class InMemoryEnablementStore implements EnablementStore {
  private final Map<ClusterRef, ClusterEnablement> rows = new HashMap<>();
  private final InMemoryAuditLog audit;

  public InMemoryEnablementStore(InMemoryAuditLog audit) {
    this.audit = audit;
  }

  @Override
  public synchronized Optional<ClusterEnablement> find(ClusterRef cluster) {
    return Optional.ofNullable(rows.get(cluster));
  }

  @Override
  public synchronized void save(ClusterEnablement enablement, AuditEvent event) {
    rows.put(enablement.cluster(), enablement);
    audit.append(event);
  }

  @Override
  public synchronized boolean saveIf(
      Optional<ClusterEnablement> expected, ClusterEnablement enablement, AuditEvent event) {
    if (!Optional.ofNullable(rows.get(enablement.cluster())).equals(expected)) {
      return false;
    }
    save(enablement, event);
    return true;
  }
}
