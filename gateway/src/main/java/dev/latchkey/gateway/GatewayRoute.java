package dev.latchkey.gateway;

import java.util.Optional;

/**
 * Where a request is going: {@code /clusters/<customer>/<cluster>/<Kubernetes path>?<query>}, split
 * as sent (nothing decoded; the cluster names are matched exactly).
 *
 * @param rawPath the Kubernetes path, starting with {@code /}
 * @param rawQuery the query without {@code ?}; empty when none
 */
record GatewayRoute(String customer, String cluster, String rawPath, String rawQuery) {
  static final String PREFIX = "/clusters/";

  static Optional<GatewayRoute> parse(String uri) {
    if (!uri.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    String query = q < 0 ? "" : uri.substring(q + 1);
    int customerEnd = path.indexOf('/', PREFIX.length());
    if (customerEnd <= PREFIX.length()) {
      return Optional.empty();
    }
    int clusterEnd = path.indexOf('/', customerEnd + 1);
    String cluster =
        clusterEnd < 0
            ? path.substring(customerEnd + 1)
            : path.substring(customerEnd + 1, clusterEnd);
    if (cluster.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new GatewayRoute(
            path.substring(PREFIX.length(), customerEnd),
            cluster,
            clusterEnd < 0 ? "/" : path.substring(clusterEnd),
            query));
  }

  /** The key clusters are looked up by: {@code customer/cluster}. */
  String clusterKey() {
    return customer + "/" + cluster;
  }

  /** The Kubernetes path and query as sent, for the upstream request line. */
  String pathAndQuery() {
    return rawQuery.isEmpty() ? rawPath : rawPath + "?" + rawQuery;
  }
}
