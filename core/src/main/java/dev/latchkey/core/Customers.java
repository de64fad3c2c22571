package dev.latchkey.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every customer this deployment serves; a single-customer deployment is a list of one. */
public record Customers(Map<CustomerId, Customer> byId) {
  public Customers {
    byId = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byId));
    if (byId.isEmpty()) {
      throw new IllegalArgumentException("at least one customer is configured");
    }
    java.util.Set<String> channels = new java.util.HashSet<>();
    for (Customer c : byId.values()) {
      if (!channels.add(c.channelId())) {
        throw new IllegalArgumentException(
            "channel " + c.channelId() + " belongs to more than one customer");
      }
    }
  }

  public static Customers of(List<Customer> customers) {
    Map<CustomerId, Customer> map = new LinkedHashMap<>();
    for (Customer c : customers) {
      if (map.put(c.id(), c) != null) {
        throw new IllegalArgumentException("customer " + c.id() + " is listed twice");
      }
    }
    return new Customers(map);
  }

  public Optional<Customer> find(CustomerId id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The customer of a request is the one whose channel it came from. */
  public Optional<Customer> byChannel(String channelId) {
    return byId.values().stream().filter(c -> c.channelId().equals(channelId)).findFirst();
  }

  public Optional<ClusterPolicy> policy(ClusterRef ref) {
    return find(ref.customer()).flatMap(c -> c.cluster(ref.name()));
  }

  public Collection<Customer> all() {
    return byId.values();
  }

  public List<ClusterPolicy> allClusters() {
    return byId.values().stream().flatMap(c -> c.clusters().values().stream()).toList();
  }
}
