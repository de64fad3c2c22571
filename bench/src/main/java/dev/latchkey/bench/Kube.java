package dev.latchkey.bench;

import dev.latchkey.k8s.ClusterConnections;
import dev.latchkey.k8s.GrantObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real API server of the run: Latchkey installed on it as deploy/ describes (namespaces, role
 * catalogue, its least-privilege ServiceAccount), a kubeconfig for that ServiceAccount (what
 * Latchkey is given), and clean-up of grant objects between benchmarks.
 */
final class Kube implements AutoCloseable {
  /**
   * Objects the floors create carry this managed-by value, so Latchkey's reconciliation never
   * touches them.
   */
  static final String FLOOR_MANAGED_BY = "latchkey-bench-floor";

  final KubernetesClient admin;
  final String server;
  final String caData;

  /**
   * The API server's and etcd's process ids, from the kit's env file beside the kubeconfig (0 when
   * unknown).
   */
  final long apiserverPid;

  final long etcdPid;

  Kube(Path adminKubeconfig) throws IOException {
    java.util.Map<String, String> kit = new java.util.HashMap<>();
    Path envFile = adminKubeconfig.toAbsolutePath().getParent().resolve("env");
    if (Files.isReadable(envFile)) {
      for (String line : Files.readAllLines(envFile)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          kit.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
      }
    }
    this.apiserverPid = Long.parseLong(kit.getOrDefault("APISERVER_PID", "0"));
    this.etcdPid = Long.parseLong(kit.getOrDefault("ETCD_PID", "0"));
    Config config = Config.fromKubeconfig(Files.readString(adminKubeconfig));
    this.admin = ClusterConnections.client(config);
    this.server = config.getMasterUrl().replaceAll("/$", "");
    this.caData = config.getCaCertData();
    if (caData == null || caData.isBlank()) {
      throw new IllegalStateException("the admin kubeconfig has no embedded CA");
    }
  }

  /**
   * Applies deploy/namespace.yaml, catalogue.yaml and rbac.yaml (server-side apply, idempotent).
   */
  void install(Path deployDir) throws IOException {
    for (String file : List.of("namespace.yaml", "catalogue.yaml", "rbac.yaml")) {
      try (InputStream in = Files.newInputStream(deployDir.resolve(file))) {
        for (HasMetadata object : admin.load(in).items()) {
          admin.resource(object).fieldManager("latchkey-bench").forceConflicts().serverSideApply();
        }
      }
    }
  }

  /**
   * A kubeconfig for Latchkey's own ServiceAccount (latchkey/latchkey), with a token valid for
   * {@code hours}.
   */
  Path latchkeyKubeconfig(Path file, int hours) throws IOException {
    String token =
        admin
            .serviceAccounts()
            .inNamespace("latchkey")
            .withName("latchkey")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(hours * 3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: kit
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: latchkey
          user:
            token: %s
        contexts:
        - name: kit
          context:
            cluster: kit
            user: latchkey
        current-context: kit
        """
            .formatted(server, caData, token);
    Files.createDirectories(file.getParent());
    Files.writeString(file, yaml);
    return file;
  }

  /**
   * A client with Latchkey's timeouts for the given kubeconfig (the floors use Latchkey's own
   * identity).
   */
  static KubernetesClient clientFor(Path kubeconfig) throws IOException {
    return ClusterConnections.client(Config.fromKubeconfig(Files.readString(kubeconfig)));
  }

  /** Removes every grant object (Latchkey's and the floors') and waits until none is left. */
  void removeGrantObjects() throws InterruptedException {
    removeGrantObjects(List.of(GrantObjects.MANAGED_BY_VALUE, FLOOR_MANAGED_BY));
  }

  /** Removes the grant objects of the given managed-by values and waits until none is left. */
  void removeGrantObjects(List<String> managedByValues) throws InterruptedException {
    for (String managedBy : managedByValues) {
      admin.rbac().clusterRoleBindings().withLabel(GrantObjects.MANAGED_BY, managedBy).delete();
      admin
          .rbac()
          .roleBindings()
          .inAnyNamespace()
          .withLabel(GrantObjects.MANAGED_BY, managedBy)
          .delete();
      admin
          .serviceAccounts()
          .inNamespace(GrantObjects.GRANTS_NAMESPACE)
          .withLabel(GrantObjects.MANAGED_BY, managedBy)
          .delete();
    }
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (grantObjectCount(managedByValues) == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("grant objects still present after 120 s");
  }

  int grantObjectCount(List<String> managedByValues) {
    int count = 0;
    for (String managedBy : managedByValues) {
      count +=
          admin
              .rbac()
              .clusterRoleBindings()
              .withLabel(GrantObjects.MANAGED_BY, managedBy)
              .list()
              .getItems()
              .size();
      count +=
          admin
              .rbac()
              .roleBindings()
              .inAnyNamespace()
              .withLabel(GrantObjects.MANAGED_BY, managedBy)
              .list()
              .getItems()
              .size();
      count +=
          admin
              .serviceAccounts()
              .inNamespace(GrantObjects.GRANTS_NAMESPACE)
              .withLabel(GrantObjects.MANAGED_BY, managedBy)
              .list()
              .getItems()
              .size();
    }
    return count;
  }

  @Override
  public void close() {
    admin.close();
  }
}
