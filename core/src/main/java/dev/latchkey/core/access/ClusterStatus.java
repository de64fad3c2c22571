package dev.latchkey.core.access;

import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.Customer;
import dev.latchkey.core.port.ClusterAccess.UnmanagedObject;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.reconcile.ForeignObjects;
import java.util.List;
import java.util.Optional;

/**
 * How support access stands on a customer's clusters: switched on for what, and how much is held.
 */
public final class ClusterStatus {
  private final ClusterSettings settings;
  private final RequestStore requests;
  private final ForeignObjects foreign;

  public ClusterStatus(ClusterSettings settings, RequestStore requests, ForeignObjects foreign) {
    this.settings = settings;
    this.requests = requests;
    this.foreign = foreign;
  }

  /** One cluster by name, or all of the customer's when empty. */
  public Result status(Customer customer, Optional<String> cluster) {
    List<ClusterPolicy> policies;
    if (cluster.isPresent()) {
      Optional<ClusterPolicy> one = customer.cluster(cluster.get());
      if (one.isEmpty()) {
        return new Result.UnknownCluster(cluster.get(), customer.clusterNames());
      }
      policies = List.of(one.get());
    } else {
      policies = List.copyOf(customer.clusters().values());
    }
    return new Result.Clusters(
        policies.stream()
            .map(
                p ->
                    new State(
                        p,
                        settings.enablement(p.cluster()),
                        requests.findHoldingAccess(p.cluster()).size(),
                        foreign.on(p.cluster())))
            .toList());
  }

  /**
   * One cluster: what it offers, what is switched on, how many grants it holds, and what its last
   * reconciliation found reaching {@code latchkey-grants} that Latchkey did not make.
   */
  public record State(
      ClusterPolicy policy,
      ClusterEnablement enablement,
      long activeGrants,
      List<UnmanagedObject> unmanaged) {
    public State {
      unmanaged = List.copyOf(unmanaged);
    }
  }

  /** What was asked about. */
  public sealed interface Result {
    record Clusters(List<State> clusters) implements Result {}

    record UnknownCluster(String name, List<String> clusters) implements Result {}
  }
}
