package dev.latchkey.gateway;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.k8s.ApiServerUpstream;
import dev.latchkey.k8s.ClusterConnection;
import dev.latchkey.k8s.GatewayTokens;
import java.time.Clock;
import java.util.Objects;

/**
 * A cluster the gateway serves: where its API server is, and who checks tokens presented for it.
 */
public record GatewayCluster(ClusterRef ref, ApiServerUpstream upstream, TokenReviewer reviewer) {
  public GatewayCluster {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(reviewer, "reviewer");
  }

  /** A configured cluster, reached and asked as Latchkey's own identity. */
  public static GatewayCluster of(ClusterRef ref, ClusterConnection connection, Clock clock) {
    return new GatewayCluster(
        ref, ApiServerUpstream.of(connection), new GatewayTokens(connection, clock)::review);
  }
}
