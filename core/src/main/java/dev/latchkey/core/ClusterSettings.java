package dev.latchkey.core;

import dev.latchkey.core.port.EnablementStore;
import java.util.Optional;

/**
 * What each cluster may offer (the configuration, fixed at start) and what is switched on right now
 * (runtime state, changed with {@code /access enable|disable}): the two things every rule about a
 * cluster reads.
 */
public record ClusterSettings(Customers customers, EnablementStore enablements) {

  public Optional<ClusterPolicy> policy(ClusterRef cluster) {
    return customers.policy(cluster);
  }

  public Optional<Customer> customer(CustomerId id) {
    return customers.find(id);
  }

  /** Whether support access is on, and for which roles; off until a customer turns it on. */
  public ClusterEnablement enablement(ClusterRef cluster) {
    return enablements.find(cluster).orElse(ClusterEnablement.disabledByDefault(cluster));
  }
}
