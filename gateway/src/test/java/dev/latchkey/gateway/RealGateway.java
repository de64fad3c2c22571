package dev.latchkey.gateway;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.Subject;
import dev.latchkey.core.grant.GrantPlanner;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ClusterAccess.CredentialResult;
import dev.latchkey.k8s.ClusterConnection;
import dev.latchkey.k8s.FabricClusterAccess;
import dev.latchkey.k8s.GatewayTokens;
import dev.latchkey.k8s.RealCluster;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway in this process in front of a real API server: Latchkey's own identity from
 * deploy/rbac.yaml, grants made on the cluster by the real adapter and in the records by the core
 * on fakes, kubeconfigs as engineers get them. The same API server is configured twice, as {@code
 * it/real} and {@code it/elsewhere}, so a token of one is presented on the other.
 */
final class RealGateway implements AutoCloseable {
  static final String AUDIENCE = "latchkey-gateway-it";

  final RealCluster cluster;
  final GatewayRig rig;
  final SessionGateway gateway;
  final ClusterConnection latchkey;
  final FabricClusterAccess access;
  final GatewayTokens tokens;
  private final Path dir;
  private final List<AccessRequest> granted = new ArrayList<>();

  RealGateway(RealCluster cluster, Path dir) {
    this.cluster = cluster;
    this.dir = dir;
    this.rig =
        new GatewayRig(RealCluster.REF, new ClusterRef(RealCluster.REF.customer(), "elsewhere"));
    this.latchkey = connectionAsLatchkey(cluster);
    this.access =
        new FabricClusterAccess(
            Map.of(
                rig.main, connectionAsLatchkey(cluster), rig.other, connectionAsLatchkey(cluster)));
    this.tokens = new GatewayTokens(latchkey, Clock.systemUTC());
    GatewayCluster real = GatewayCluster.of(rig.main, latchkey, Clock.systemUTC());
    GatewayCluster elsewhere = new GatewayCluster(rig.other, real.upstream(), real.reviewer());
    this.gateway =
        rig.start(
            GatewayRig.settings(dir.resolve("data"), freePort())
                .audience(AUDIENCE)
                .headerTimeout(Duration.ofSeconds(1))
                .build(),
            List.of(real, elsewhere));
  }

  /** Latchkey's own identity (deploy/rbac.yaml) on the cluster. */
  private static ClusterConnection connectionAsLatchkey(RealCluster cluster) {
    return new ClusterConnection(
        cluster.clientAs(RealCluster.LATCHKEY_NAMESPACE, "latchkey"),
        cluster.server,
        Optional.ofNullable(cluster.caData));
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A grant of {@code role} on {@code cluster} (namespaces, or the whole cluster when none), active
   * in the records and bound on the cluster, and a kubeconfig for it through the gateway.
   */
  Grant grant(ClusterRef on, String role, List<String> namespaces) {
    AccessRequest request = rig.active(on, role, namespaces);
    ClusterAccess.Grant desired =
        GrantPlanner.desiredGrant(
            request, rig.rig.core.settings().policy(request.cluster()).orElseThrow());
    var result = access.grant(desired);
    if (!(result instanceof ClusterAccess.GrantResult.Granted)) {
      throw new IllegalStateException("grant failed: " + result);
    }
    granted.add(request);
    String user = "system:serviceaccount:" + Subject.GRANTS_NAMESPACE + ":" + request.id();
    String probeNamespace = namespaces.isEmpty() ? "default" : namespaces.getFirst();
    cluster.awaitAllowed(user, RealCluster.can("list", "pods", probeNamespace), true);
    return new Grant(request, kubeconfig(request, gateway.serverUrl(on)));
  }

  /** A kubeconfig for the grant through the gateway, with a gateway-audience token. */
  Path kubeconfig(AccessRequest request, String server) {
    CredentialResult result =
        tokens.kubeconfig(
            request.cluster(),
            request.id(),
            request.expiresAt().orElseThrow(),
            server,
            gateway.caCertData(),
            AUDIENCE);
    if (!(result instanceof CredentialResult.Issued issued)) {
      throw new IllegalStateException("no kubeconfig: " + result);
    }
    try {
      Path file = Files.createTempFile(dir, request.id().value(), ".kubeconfig");
      Files.writeString(file, issued.kubeconfig().text());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Grant(AccessRequest request, Path kubeconfig) {
    Kubectl kubectl() {
      return new Kubectl(kubeconfig);
    }
  }

  /** A pod served by the kit's node, Running before this returns. */
  Pod runningPod(String namespace, String name) {
    return cluster.runningPod(namespace, name);
  }

  @Override
  public void close() {
    rig.close();
    for (AccessRequest request : granted) {
      access.revoke(
          ClusterAccess.Footprint.of(
              GrantPlanner.desiredGrant(
                  request, rig.rig.core.settings().policy(request.cluster()).orElseThrow())));
    }
    access.close();
    latchkey.close();
  }
}
