package dev.latchkey.gateway;

import io.netty.handler.ssl.SslContext;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;

/** What every connection of one running gateway shares. */
final class GatewayContext {
  /** A served cluster and the TLS settings to reach its API server. */
  record Upstream(GatewayCluster cluster, SslContext tls) {}

  final GatewaySettings settings;
  final GatewayServices services;
  final Map<String, Upstream> clusters;
  final Authorizer authorizer;
  final ConnectionRegistry registry;
  final ActivityWriter activity;
  final SessionTracker sessions;
  final ExecutorService workers;
  final Upstreams upstreams;
  private final SplittableRandom random = new SplittableRandom();

  GatewayContext(
      GatewaySettings settings,
      GatewayServices services,
      Map<String, Upstream> clusters,
      Authorizer authorizer,
      ConnectionRegistry registry,
      ActivityWriter activity,
      SessionTracker sessions,
      ExecutorService workers) {
    this.settings = settings;
    this.services = services;
    this.clusters = Map.copyOf(clusters);
    this.authorizer = authorizer;
    this.registry = registry;
    this.activity = activity;
    this.sessions = sessions;
    this.workers = workers;
    this.upstreams = new Upstreams(workers, settings);
  }

  /** A generator for session ids, split per caller (SplittableRandom is not thread-safe). */
  synchronized SplittableRandom random() {
    return random.split();
  }

  long nanos() {
    return services.nanoTicker().getAsLong();
  }
}
