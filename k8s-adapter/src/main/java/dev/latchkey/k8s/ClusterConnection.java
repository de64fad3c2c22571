package dev.latchkey.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Objects;
import java.util.Optional;

/**
 * How Latchkey reaches one cluster, and what an engineer's kubeconfig for it names.
 *
 * @param client Latchkey's own client (its least-privilege identity, see deploy/rbac.yaml)
 * @param supportServer the API server URL the vendor's engineers reach (e.g. a private proxy)
 * @param caCertData the base64 PEM bundle engineers' kubeconfigs trust; empty when the server has a
 *     public certificate
 */
public record ClusterConnection(
    KubernetesClient client, String supportServer, Optional<String> caCertData)
    implements AutoCloseable {
  public ClusterConnection {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(caCertData, "caCertData");
    if (supportServer == null || !supportServer.matches("https?://\\S+")) {
      throw new IllegalArgumentException("supportServer must be an http(s) URL: " + supportServer);
    }
    supportServer =
        supportServer.endsWith("/")
            ? supportServer.substring(0, supportServer.length() - 1)
            : supportServer;
    caCertData = caCertData.map(String::strip).filter(s -> !s.isEmpty());
  }

  /**
   * The same connection, its engineers' kubeconfigs trusting {@code caCertData} (the support
   * server's CA).
   */
  public ClusterConnection withSupportCa(String caCertData) {
    return new ClusterConnection(client, supportServer, Optional.of(caCertData));
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "ClusterConnection[" + client.getMasterUrl() + ", supportServer " + supportServer + "]";
  }
}
