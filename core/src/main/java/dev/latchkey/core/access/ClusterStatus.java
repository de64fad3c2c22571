package dev.latchkey.core.access;

import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.Customer;
import dev.latchkey.core.port.RequestStore;
import java.util.List;
import java.util.Optional;

/**
 * How support access stands on a customer's clusters: switched on for what, and how much is held.
 */
public final class ClusterStatus {
  private final ClusterSettings settings;
  private final RequestStore requests;

  public ClusterStatus(ClusterSettings settings, RequestStore requests) {
    this.settings = settings;
    this.requests = requests;
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
                        requests.findHoldingAccess(p.cluster()).size()))
            .toList());
  }

  /** One cluster: what it offers, what is switched on, and how many grants it holds. */
  public record State(ClusterPolicy policy, ClusterEnablement enablement, long activeGrants) {}

  /** What was asked about. */
  public sealed interface Result {
    record Clusters(List<State> clusters) implements Result {}

    record UnknownCluster(String name, List<String> clusters) implements Result {}
  }
}
