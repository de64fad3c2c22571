package dev.latchkey.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Builds the clients Latchkey uses, all with the same bounded behaviour: a connection attempt gives
 * up after {@link #CONNECT_TIMEOUT}, a request after {@link #REQUEST_TIMEOUT}, and the client never
 * retries by itself (the core retries with its own backoff), so an unreachable or frozen API server
 * holds a caller for seconds, not minutes. The JDK's HTTP client is used (daemon threads, nothing
 * native, nothing to merge when shading).
 */
public final class ClusterConnections {
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private ClusterConnections() {}

  /**
   * A cluster from a kubeconfig file: the given context, or its current context when empty. The
   * support server defaults to the URL Latchkey itself uses.
   */
  public static ClusterConnection fromKubeconfig(
      Path kubeconfig, Optional<String> context, Optional<String> supportServer) {
    if (!Files.isReadable(kubeconfig)) {
      throw new IllegalArgumentException("kubeconfig " + kubeconfig + " is not a readable file");
    }
    Config config = Config.fromKubeconfig(context.orElse(null), kubeconfig.toFile());
    if (context.isPresent()
        && (config.getCurrentContext() == null
            || !context.get().equals(config.getCurrentContext().getName()))) {
      throw new IllegalArgumentException(
          "kubeconfig " + kubeconfig + " has no context " + context.get());
    }
    return of(config, supportServer);
  }

  /**
   * The cluster Latchkey runs in, as the ServiceAccount of its pod (its mounted token, refreshed as
   * the kubelet rotates it, and CA).
   */
  public static ClusterConnection inCluster(Optional<String> supportServer) {
    if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
      throw new IllegalStateException(
          "not running in a cluster: KUBERNETES_SERVICE_HOST is not set");
    }
    return fromServiceAccount(supportServer);
  }

  /**
   * fabric8's auto-configuration from the pod's mounted ServiceAccount files. The token is a
   * projected one with a short life (deploy/deployment.yaml), which the kubelet replaces at 80 % of
   * it: the client reads the file again on its next request once a minute has passed since it last
   * did, and at once when the API server answers 401, then repeats that request with the new token
   * (TokenRefreshInterceptor and Config.refresh of fabric8 8.0, which re-run the auto-configuration
   * because it made this configuration; InClusterTokenTest shows it).
   */
  static ClusterConnection fromServiceAccount(Optional<String> supportServer) {
    return of(Config.autoConfigure(null), supportServer);
  }

  /**
   * A connection from a ready client configuration (its timeouts and retries are replaced by ours).
   */
  public static ClusterConnection of(Config config, Optional<String> supportServer) {
    String server = supportServer.filter(s -> !s.isBlank()).orElse(config.getMasterUrl());
    Optional<String> ca = caCertData(config);
    KubernetesClient client = client(config);
    try {
      return new ClusterConnection(client, server, ca);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /**
   * A client with Latchkey's timeouts, no client-side retries and the JDK HTTP client. Sets those
   * on {@code config} itself, so that a configuration that refreshes its credentials keeps doing
   * so.
   */
  public static KubernetesClient client(Config config) {
    tune(config);
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new JdkHttpClientFactory())
        .build();
  }

  /** A copy of {@code config} with Latchkey's timeouts and no client-side retries. */
  public static Config tuned(Config config) {
    return tune(new ConfigBuilder(config).build());
  }

  private static Config tune(Config config) {
    config.setConnectionTimeout((int) CONNECT_TIMEOUT.toMillis());
    config.setRequestTimeout((int) REQUEST_TIMEOUT.toMillis());
    config.setRequestRetryBackoffLimit(0);
    return config;
  }

  private static Optional<String> caCertData(Config config) {
    if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
      return Optional.of(config.getCaCertData().strip());
    }
    if (config.getCaCertFile() != null && !config.getCaCertFile().isBlank()) {
      try {
        byte[] pem = Files.readAllBytes(Path.of(config.getCaCertFile()));
        return Optional.of(Base64.getEncoder().encodeToString(pem));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the cluster CA " + config.getCaCertFile(), e);
      }
    }
    return Optional.empty();
  }
}
