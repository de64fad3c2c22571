package dev.latchkey.bot.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.bot.Latchkey;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.request.IssueKubeconfig;
import dev.latchkey.core.request.RevokeAccess;
import dev.latchkey.gateway.Kubectl;
import dev.latchkey.k8s.ClusterConnection;
import dev.latchkey.k8s.RealCluster;
import dev.latchkey.k8s.RealClusterExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway mode as Latchkey wires it, on the real API server with kubectl: the kubeconfig {@code
 * /access kubeconfig} hands out goes through Latchkey's session gateway, is useless straight at the
 * API server, its exec session is recorded (the hash in the audit chain), and revoking the access
 * closes that session at once and refuses the next request.
 */
@ExtendWith(RealClusterExtension.class)
class GatewayModeIT {
  private static final ClusterRef PROD = new ClusterRef(new CustomerId("acme"), "prod");
  private static final Actor.SlackUser ADMIN =
      new Actor.SlackUser(FakeSlack.CUSTOMER_TEAM, FakeSlack.ADMIN);
  private static final Actor.SlackUser APPROVER =
      new Actor.SlackUser(FakeSlack.CUSTOMER_TEAM, "U0APPROVER1");
  private static final Actor.SlackUser ENGINEER =
      new Actor.SlackUser(FakeSlack.VENDOR_TEAM, FakeSlack.ENGINEER);

  @TempDir Path dir;

  @BeforeAll
  static void kubectlIsThere() {
    Assumptions.assumeTrue(
        onPath("kubectl"), "kubectl is not on the PATH: the gateway-mode tests are skipped");
  }

  @Test
  void aGatewayKubeconfigWorksOnlyThroughLatchkeyIsRecordedAndIsCutAtRevocation(RealCluster cluster)
      throws Exception {
    String ns = cluster.createNamespace("gw-mode");
    cluster.runningPod(ns, "shell");
    int port = freePort();
    try (FakeSlack slack = new FakeSlack();
        Latchkey latchkey =
            Latchkey.start(
                settings(slack, port),
                config(),
                Clock.systemUTC(),
                c ->
                    new ClusterConnection(
                        cluster.clientAs(RealCluster.LATCHKEY_NAMESPACE, "latchkey"),
                        cluster.server,
                        Optional.ofNullable(cluster.caData)))) {
      UseCases core = latchkey.core();
      assertThat(core.enable().enable(PROD, ADMIN, Set.of("operator")))
          .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
      RequestId id =
          Grants.activeOperator(core, List.of(ns), Duration.ofHours(1), "INC-17 gateway drill");

      var issued = core.kubeconfig().issue(id, ENGINEER);
      assertThat(issued).isInstanceOf(IssueKubeconfig.Result.Issued.class);
      String text = ((IssueKubeconfig.Result.Issued) issued).kubeconfig().text();
      assertThat(text).contains("https://127.0.0.1:" + port + "/clusters/acme/prod");
      Path kubeconfig = dir.resolve("engineer.kubeconfig");
      Files.writeString(kubeconfig, text);
      Kubectl kubectl = new Kubectl(kubeconfig);

      assertThat(kubectl.run("get", "pods", "-n", ns).output()).contains("shell");
      assertThat(straightToTheApiServer(cluster, text, ns))
          .as("the gateway's token at the API server itself")
          .isEqualTo(401);

      try (Kubectl.Running exec = kubectl.start("exec", "-i", "shell", "-n", ns, "--", "sh")) {
        exec.type("echo recorded-$((6*7))\n");
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> exec.output().contains("recorded-42"));

        long before = System.nanoTime();
        assertThat(core.revoke().revoke(id, ENGINEER))
            .isInstanceOf(RevokeAccess.Result.Revoked.class);
        assertThat(exec.awaitEnd(Duration.ofSeconds(3)))
            .as("the exec session is closed when the access is revoked")
            .isTrue();
        Duration cutIn = Duration.ofNanos(System.nanoTime() - before);
        assertThat(cutIn).as("revoke to the session's end").isLessThan(Duration.ofMillis(1500));
      }
      Kubectl.Result again = kubectl.run("get", "pods", "-n", ns);
      assertThat(again.ok()).isFalse();
      assertThat(again.output()).contains("ended: revoked");

      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(sessionsEnded(id)).as("the exec session's end is recorded").isOne();
                assertThat(recordingHoldsTheTypedCommand(id)).isTrue();
              });
    }
  }

  /** The status of a pod list sent with the kubeconfig's token straight to the API server. */
  private static int straightToTheApiServer(RealCluster cluster, String kubeconfig, String ns)
      throws Exception {
    String token =
        kubeconfig
            .lines()
            .map(String::strip)
            .filter(l -> l.startsWith("token:"))
            .map(l -> l.substring("token:".length()).strip())
            .findFirst()
            .orElseThrow();
    try (var client = dev.latchkey.k8s.ClusterConnections.client(cluster.bearer(token))) {
      client.pods().inNamespace(ns).list();
      return 200;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      return e.getCode();
    }
  }

  private long sessionsEnded(RequestId id) throws Exception {
    try (Connection c = database();
        var s =
            c.prepareStatement(
                "SELECT COUNT(*) FROM gateway_sessions WHERE request_id = ? AND ended_at IS NOT"
                    + " NULL")) {
      s.setString(1, id.value());
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private boolean recordingHoldsTheTypedCommand(RequestId id) throws Exception {
    try (Connection c = database();
        var s =
            c.prepareStatement(
                "SELECT p.content FROM recording_parts p JOIN gateway_sessions g ON g.id ="
                    + " p.session_id WHERE g.request_id = ? ORDER BY p.seq")) {
      s.setString(1, id.value());
      StringBuilder cast = new StringBuilder();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          cast.append(new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      return cast.toString().contains("\"i\"") && cast.toString().contains("recorded-");
    }
  }

  private Connection database() throws Exception {
    return DriverManager.getConnection(
        "jdbc:h2:file:" + dir.resolve("latchkey") + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000");
  }

  private Settings settings(FakeSlack slack, int gatewayPort) {
    return Settings.from(
        Map.of(
            "SLACK_BOT_TOKEN",
            FakeSlack.BOT_TOKEN,
            "SLACK_SIGNING_SECRET",
            FakeSlack.SIGNING_SECRET,
            "SLACK_API_URL",
            slack.apiUrl(),
            "PORT",
            "0",
            "MANAGEMENT_PORT",
            "0",
            "LATCHKEY_GATEWAY_PUBLIC_URL",
            "https://127.0.0.1:" + gatewayPort,
            "LATCHKEY_GATEWAY_PORT",
            Integer.toString(gatewayPort),
            "LATCHKEY_GATEWAY_ADDRESS",
            "127.0.0.1",
            "LATCHKEY_GATEWAY_DIR",
            dir.resolve("gateway").toString()));
  }

  private LatchkeyConfig config() {
    String yaml =
        """
        database:
          url: jdbc:h2:file:%s
        customers:
          - id: acme
            slack:
              teamId: %s
              channel: %s
              approvers: { users: [U0APPROVER1] }
              admins: [%s]
            clusters:
              - name: prod
                kubeconfig: /not/read/by/this/test
                credentials: gateway
        """
            .formatted(
                dir.resolve("latchkey"),
                FakeSlack.CUSTOMER_TEAM,
                FakeSlack.CHANNEL,
                FakeSlack.ADMIN);
    return ConfigLoader.parse(yaml, "latchkey.yml");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static boolean onPath(String command) {
    try {
      Process p = new ProcessBuilder("sh", "-c", "command -v " + command).start();
      return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
