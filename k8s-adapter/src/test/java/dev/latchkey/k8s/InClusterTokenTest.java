package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.port.ClusterAccess.RoleCheck;
import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Latchkey's in-cluster client keeps working when the kubelet replaces the pod's projected token
 * (deploy/deployment.yaml: a 10-minute token, rewritten after 8): the configuration is built as
 * {@link ClusterConnections#inCluster} builds it, from a token file this test controls, against a
 * stand-in API server on loopback that, after the rotation, accepts only the new token.
 */
class InClusterTokenTest {
  private static final ClusterRef CLUSTER = new ClusterRef(new CustomerId("acme"), "prod");
  private static final String ROLE =
      "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\","
          + "\"metadata\":{\"name\":\"latchkey-readonly\"},\"rules\":[]}";
  private static final String UNAUTHORIZED =
      "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\","
          + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}";

  @TempDir Path dir;
  private HttpServer server;
  private final AtomicReference<String> accepted = new AtomicReference<>();
  private final List<String> presented = new CopyOnWriteArrayList<>();
  private final Map<String, String> savedProperties = new HashMap<>();

  @BeforeEach
  void startApiServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    savedProperties.forEach(
        (key, value) -> {
          if (value == null) {
            System.clearProperty(key);
          } else {
            System.setProperty(key, value);
          }
        });
  }

  @Test
  void aTokenTheKubeletReplacedIsReadAgainAndTheRefusedRequestRepeatedWithIt() throws IOException {
    Path token = dir.resolve("token");
    Files.writeString(token, "token-one");
    accepted.set("token-one");
    inClusterFiles(token);

    try (ClusterConnection connection =
            ClusterConnections.fromServiceAccount(Optional.of("https://k8s.example:6443"));
        FabricClusterAccess access = new FabricClusterAccess(Map.of(CLUSTER, connection))) {
      assertThat(access.checkRole(CLUSTER, "latchkey-readonly"))
          .isEqualTo(new RoleCheck.Present(false));

      // The kubelet's rotation: the new token takes the old one's place in one step, and the API
      // server no longer takes the old one.
      Path next = dir.resolve("token.next");
      Files.writeString(next, "token-two");
      Files.move(next, token, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      accepted.set("token-two");

      assertThat(access.checkRole(CLUSTER, "latchkey-readonly"))
          .isEqualTo(new RoleCheck.Present(false));
      assertThat(access.checkRole(CLUSTER, "latchkey-readonly"))
          .as("and it keeps the new token")
          .isEqualTo(new RoleCheck.Present(false));
    }

    assertThat(presented)
        .containsExactly(
            "Bearer token-one", "Bearer token-one", "Bearer token-two", "Bearer token-two");
  }

  /**
   * What fabric8 reads in a pod: the token file (here the test's), no kubeconfig, and the API
   * server's address (KUBERNETES_SERVICE_HOST and _PORT in a pod; a plain-HTTP URL here).
   */
  private void inClusterFiles(Path token) {
    property(Config.KUBERNETES_AUTH_TRYKUBECONFIG_SYSTEM_PROPERTY, "false");
    property(Config.KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN_FILE_SYSTEM_PROPERTY, token.toString());
    property(
        Config.KUBERNETES_MASTER_SYSTEM_PROPERTY,
        "http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void property(String key, String value) {
    savedProperties.putIfAbsent(key, System.getProperty(key));
    System.setProperty(key, value);
  }

  private void answer(HttpExchange exchange) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    presented.add(String.valueOf(authorization));
    boolean ok = ("Bearer " + accepted.get()).equals(authorization);
    byte[] body = (ok ? ROLE : UNAUTHORIZED).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(ok ? 200 : 401, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }
}
