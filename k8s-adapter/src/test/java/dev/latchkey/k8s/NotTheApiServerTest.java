package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy or load balancer in front of the API server that answers everything with its own plain
 * 404 (failing over, misrouted): fabric8 reads any 404 as "not there", but a revocation must not
 * take that for removed access.
 */
class NotTheApiServerTest {
  private HttpServer front;
  private final List<String> asked = new CopyOnWriteArrayList<>();
  private FabricClusterAccess access;

  @BeforeEach
  void start() throws IOException {
    front = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    front.createContext(
        "/",
        exchange -> {
          asked.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
          byte[] body = "404 page not found\n".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain");
          exchange.sendResponseHeaders(404, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    front.start();
    String url = "http://127.0.0.1:" + front.getAddress().getPort();
    var client =
        ClusterConnections.client(
            new ConfigBuilder()
                .withMasterUrl(url)
                .withOauthToken("t")
                .withRequestRetryBackoffLimit(0)
                .build());
    access =
        new FabricClusterAccess(
            Map.of(Grants.CLUSTER, new ClusterConnection(client, url, Optional.empty())));
  }

  @AfterEach
  void stop() {
    access.close();
    front.stop(0);
  }

  @Test
  void aRevocationAnsweredWithAForeign404IsNotDone() {
    Grant grant =
        Grants.token(Grants.newId(), "latchkey-operator", Grants.namespaces("api", "web"));

    RemovalResult result = access.revoke(Footprint.of(grant));

    assertThat(result).isInstanceOf(RemovalResult.Unavailable.class);
    assertThat(asked).first().asString().startsWith("DELETE ");
  }
}
