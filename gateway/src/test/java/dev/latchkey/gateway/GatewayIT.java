package dev.latchkey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.k8s.RealCluster;
import dev.latchkey.k8s.RealClusterExtension;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway in front of a real API server, driven by kubectl 1.32 as engineers run it: a gateway
 * kubeconfig does what its role allows and nothing more, protected namespaces stay out of reach,
 * the token is useless anywhere else, and a grant's end closes every one of its sessions within a
 * second.
 */
@ExtendWith(RealClusterExtension.class)
class GatewayIT {
  private static final Pattern FORWARDING =
      Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+)");
  private static RealGateway real;
  private static Path dir;
  private static String ns;
  private static String deployment;
  private static String protectedPod;
  private static ServerSocket echo;

  @BeforeAll
  static void setUp(RealCluster cluster) throws Exception {
    assumeTrue(
        onPath("kubectl") && onPath("script"),
        "kubectl or script(1) is not on the PATH: the gateway's kubectl tests skipped");
    dir = Files.createTempDirectory("latchkey-gateway-it");
    real = new RealGateway(cluster, dir);
    ns = cluster.createNamespace("gw-it");
    real.runningPod(ns, "shell");
    protectedPod = RealCluster.unique("gw-it-protected");
    real.runningPod(RealCluster.LATCHKEY_NAMESPACE, protectedPod);
    deployment = RealCluster.unique("gw-it-deploy");
    cluster
        .admin
        .apps()
        .deployments()
        .inNamespace(RealCluster.LATCHKEY_NAMESPACE)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(deployment)
                .endMetadata()
                .withNewSpec()
                .withReplicas(0)
                .withNewSelector()
                .addToMatchLabels("app", deployment)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", deployment)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    cluster
        .admin
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("db")
                .endMetadata()
                .addToStringData("password", "hunter2")
                .build())
        .create();
    echo = new ServerSocket(0);
    Thread.ofVirtual().start(GatewayIT::serveEcho);
  }

  @AfterAll
  static void tearDown(RealCluster cluster) throws IOException {
    if (echo != null) {
      echo.close();
    }
    if (real != null) {
      real.close();
    }
    if (dir != null) {
      // Its kubeconfigs hold tokens.
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    if (ns == null) {
      return;
    }
    cluster.deleteNamespace(ns);
    cluster
        .admin
        .pods()
        .inNamespace(RealCluster.LATCHKEY_NAMESPACE)
        .withName(protectedPod)
        .delete();
    cluster
        .admin
        .apps()
        .deployments()
        .inNamespace(RealCluster.LATCHKEY_NAMESPACE)
        .withName(deployment)
        .delete();
  }

  private static boolean onPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(entry, command))) {
        return true;
      }
    }
    return false;
  }

  /** What port-forwarded connections reach: every line comes back. */
  private static void serveEcho() {
    while (!echo.isClosed()) {
      try {
        Socket socket = echo.accept();
        Thread.ofVirtual()
            .start(
                () -> {
                  try (socket;
                      InputStream in = socket.getInputStream();
                      OutputStream out = socket.getOutputStream()) {
                    in.transferTo(out);
                  } catch (IOException e) {
                    // The forwarded connection ended.
                  }
                });
      } catch (IOException e) {
        return;
      }
    }
  }

  // ---------------------------------------------------------------- what a role allows

  @Test
  void readonlyReadsListsWatchesAndReadsLogsButCannotExecOrReadSecrets() throws Exception {
    Kubectl kubectl = real.grant(RealCluster.REF, "readonly", List.of(ns)).kubectl();

    assertThat(kubectl.run("get", "pods", "-n", ns).output()).contains("shell", "Running");
    assertThat(kubectl.run("logs", "shell", "-n", ns).ok()).isTrue();
    try (Kubectl.Running watch = kubectl.start("get", "pods", "-n", ns, "-w")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.output().contains("shell"));
    }
    Kubectl.Result exec = kubectl.run("exec", "shell", "-n", ns, "--", "echo", "hi");
    assertThat(exec.ok()).isFalse();
    assertThat(exec.output()).contains("forbidden").doesNotContain("\nhi");
    Kubectl.Result secrets = kubectl.run("get", "secrets", "-n", ns);
    assertThat(secrets.ok()).isFalse();
    assertThat(secrets.output()).contains("secrets is forbidden");
  }

  @Test
  void operatorExecsAttachesAndPortForwards() throws Exception {
    RealGateway.Grant grant = real.grant(RealCluster.REF, "operator", List.of(ns));
    Kubectl kubectl = grant.kubectl();

    Kubectl.Result exec =
        kubectl.run("exec", "shell", "-n", ns, "--", "sh", "-c", "echo from-$((6*7))");
    assertThat(exec.output()).contains("from-42");
    assertThat(exec.ok()).isTrue();
    Kubectl.Result overSpdy =
        kubectl
            .with("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "false")
            .run("exec", "shell", "-n", ns, "--", "sh", "-c", "echo spdy-$((6*7))");
    assertThat(overSpdy.output()).contains("spdy-42");

    Kubectl.Result attach =
        kubectl.runWithInput("attached-line\n", "attach", "-i", "shell", "-n", ns, "-c", "main");
    assertThat(attach.output()).contains("attached-line");

    try (Kubectl.Running forward =
        kubectl.start("port-forward", "-n", ns, "pod/shell", ":" + echo.getLocalPort())) {
      int local = forwardedPort(forward);
      try (Socket socket = new Socket("127.0.0.1", local)) {
        socket.setSoTimeout(5000);
        socket.getOutputStream().write("through the gateway\n".getBytes(StandardCharsets.UTF_8));
        byte[] back = socket.getInputStream().readNBytes("through the gateway\n".length());
        assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("through the gateway\n");
      }
    }

    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                real.rig.sessions.sessions(grant.request().id()).stream()
                        .filter(s -> s.end().isPresent())
                        .count()
                    >= 4);
    List<SessionStore.SessionRecord> sessions = real.rig.sessions.sessions(grant.request().id());
    assertThat(sessions)
        .extracting(s -> s.session().kind().name())
        .contains("EXEC", "ATTACH", "PORT_FORWARD");
    assertThat(real.rig.taps.opened)
        .filteredOn(t -> t.session.requestId().equals(grant.request().id()))
        .extracting(t -> t.transport + " " + t.subprotocol)
        .contains(
            "websocket v5.channel.k8s.io",
            "SPDY/3.1 v4.channel.k8s.io",
            "SPDY/3.1 portforward.k8s.io");
    assertThat(real.rig.taps.opened)
        .filteredOn(t -> t.session.requestId().equals(grant.request().id()))
        .filteredOn(t -> t.session.kind().name().equals("EXEC"))
        .first()
        .satisfies(tap -> assertThat(tap.serverText()).contains("from-42"));
  }

  @Test
  void aClusterWideOperatorCannotReachAProtectedNamespace() throws Exception {
    Kubectl kubectl = real.grant(RealCluster.REF, "operator", List.of()).kubectl();
    String latchkey = RealCluster.LATCHKEY_NAMESPACE;

    for (List<String> command :
        List.of(
            List.of("exec", protectedPod, "-n", latchkey, "--", "echo", "in"),
            List.of("logs", protectedPod, "-n", latchkey),
            List.of("delete", "pod", protectedPod, "-n", latchkey, "--wait=false"),
            List.of("scale", "deployment", deployment, "-n", latchkey, "--replicas=2"),
            List.of("get", "namespace", latchkey),
            List.of("port-forward", "-n", latchkey, "pod/" + protectedPod, ":80"))) {
      Kubectl.Result result = kubectl.run(command.toArray(String[]::new));

      assertThat(result.ok()).as(String.join(" ", command)).isFalse();
      assertThat(result.output()).as(String.join(" ", command)).contains("is protected");
    }
    assertThat(kubectl.run("get", "pods", "-n", ns).ok()).isTrue();
    assertThat(kubectl.run("get", "pods", "-A").output())
        .as("a cluster-wide list shows them, as the role allows")
        .contains(protectedPod);
  }

  // ---------------------------------------------------------------- nowhere else

  @Test
  void theTokenIsUselessAtTheApiServerAndOnAnyOtherClusterAndImpersonationGainsNothing()
      throws Exception {
    RealGateway.Grant grant = real.grant(RealCluster.REF, "readonly", List.of(ns));
    String token = token(grant.kubeconfig());

    HttpResponse<String> direct =
        apiServerClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(real.cluster.server + "/api/v1/namespaces/" + ns + "/pods"))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(direct.statusCode()).isEqualTo(401);

    Kubectl.Result impersonating =
        grant
            .kubectl()
            .run("get", "secrets", "-n", ns, "--as=system:admin", "--as-group=system:masters");
    assertThat(impersonating.ok()).isFalse();
    assertThat(impersonating.output()).contains("forbidden");

    RealGateway.Grant elsewhere = real.grant(real.rig.other, "readonly", List.of(ns));
    Path wrongCluster =
        real.kubeconfig(elsewhere.request(), real.gateway.serverUrl(RealCluster.REF));
    Kubectl.Result other = new Kubectl(wrongCluster).run("get", "pods", "-n", ns);
    assertThat(other.ok()).isFalse();
    assertThat(other.output()).contains("is for another cluster");
    assertThat(elsewhere.kubectl().run("get", "pods", "-n", ns).ok()).isTrue();
  }

  // ---------------------------------------------------------------- hostile input

  @Test
  void hostileInputGetsAClearStatusAndTheGatewayStaysHealthy() throws Exception {
    RealGateway.Grant grant = real.grant(RealCluster.REF, "readonly", List.of(ns));
    String token = token(grant.kubeconfig());
    String pods = real.rig.url(RealCluster.REF) + "/api/v1/namespaces/" + ns + "/pods";
    String apiServerAudience =
        real.cluster
            .admin
            .serviceAccounts()
            .inNamespace("latchkey-grants")
            .withName(grant.request().id().value())
            .tokenRequest(
                new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();

    assertThat(status(c -> c.get(pods, null))).as("no token").isEqualTo(401);
    assertThat(status(c -> c.get(pods, "not-a-token"))).as("bad token").isEqualTo(401);
    assertThat(status(c -> c.get(pods, apiServerAudience)))
        .as("API server's audience")
        .isEqualTo(401);
    real.rig.rig.clock.set(Instant.now().plus(Duration.ofMinutes(61)));
    try {
      assertThat(status(c -> c.get(pods, token))).as("expired token").isEqualTo(401);
    } finally {
      real.rig.rig.clock.set(Instant.now());
    }
    assertThat(status(c -> c.get("/api/v1/namespaces/" + ns + "/pods", token)))
        .as("not a cluster path")
        .isEqualTo(404);
    assertThat(
            status(
                c ->
                    c.get(
                        real.rig.url(RealCluster.REF)
                            + "/api/v1/namespaces/"
                            + ns
                            + "/../latchkey/pods",
                        token)))
        .as("dot segments")
        .isEqualTo(400);
    assertThat(status(c -> c.send("GARBAGE\r\n\r\n"))).as("malformed").isEqualTo(400);
    assertThat(status(c -> c.get(pods, token, "X-Big: " + "a".repeat(40_000))))
        .as("oversized headers")
        .isEqualTo(431);
    assertThat(
            status(
                c ->
                    c.get(
                        real.rig.url(RealCluster.REF)
                            + "/api/v1/namespaces/"
                            + ns
                            + "/pods/shell/exec?command=sh",
                        token,
                        "Connection: Upgrade",
                        "Upgrade: h2c")))
        .as("unknown upgrade")
        .isEqualTo(400);
    assertThat(
            status(
                c ->
                    c.send(
                        "POST "
                            + pods
                            + " HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer "
                            + token
                            + "\r\nContent-Length: 100000000\r\n\r\n")))
        .as("huge body")
        .isEqualTo(413);
    try (RawClient slow =
        new RawClient(real.gateway.port(), real.gateway.caCertData().orElseThrow())) {
      slow.send("GET " + pods + " HTTP/1.1\r\nHost: g\r\n");
      long start = System.nanoTime();
      assertThat(slow.readToEnd()).startsWith("HTTP/1.1 408");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    assertThat(grant.kubectl().run("get", "pods", "-n", ns).output())
        .as("still healthy")
        .contains("shell");
  }

  private interface Conversation {
    void play(RawClient client) throws Exception;
  }

  private static int status(Conversation conversation) throws Exception {
    try (RawClient client =
        new RawClient(real.gateway.port(), real.gateway.caCertData().orElseThrow())) {
      conversation.play(client);
      return client.response().status();
    }
  }

  // ---------------------------------------------------------------- cutting

  @Test
  void endingTheGrantClosesEveryOpenSessionWithinASecondAndReconnectingIsRefused()
      throws Exception {
    RealGateway.Grant grant = real.grant(RealCluster.REF, "operator", List.of(ns));
    Map<String, Duration> closedAfter =
        withEverySessionOpen(grant, () -> real.rig.revoke(grant.request()));

    assertThat(closedAfter)
        .allSatisfy((what, took) -> assertThat(took).as(what).isLessThan(Duration.ofMillis(1500)));
    Kubectl.Result again = grant.kubectl().run("get", "pods", "-n", ns);
    assertThat(again.ok()).isFalse();
    assertThat(again.output()).contains("ended: revoked");
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(real.rig.sessions.sessions(grant.request().id()))
                    .isNotEmpty()
                    .allSatisfy(
                        s ->
                            assertThat(s.end())
                                .hasValueSatisfying(
                                    e ->
                                        assertThat(e.cause())
                                            .isEqualTo(SessionEnd.Cause.REVOKED))));
  }

  @Test
  void theClockPassingTheGrantsEndClosesEveryOpenSessionWithinASecond() throws Exception {
    RealGateway.Grant grant = real.grant(RealCluster.REF, "operator", List.of(ns));
    Map<String, Duration> closedAfter;
    try {
      closedAfter =
          withEverySessionOpen(
              grant, () -> real.rig.rig.clock.set(grant.request().expiresAt().orElseThrow()));
    } finally {
      real.rig.rig.clock.set(Instant.now());
    }

    assertThat(closedAfter)
        .allSatisfy((what, took) -> assertThat(took).as(what).isLessThan(Duration.ofMillis(1500)));
    Kubectl.Result again = grant.kubectl().run("get", "pods", "-n", ns);
    assertThat(again.ok()).isFalse();
    assertThat(again.output()).contains("ended: expired");
  }

  /**
   * Opens an interactive exec, logs -f, a watch and a port-forward of the grant, ends it with
   * {@code end}, and says how long each took to close.
   */
  private Map<String, Duration> withEverySessionOpen(RealGateway.Grant grant, Runnable end)
      throws Exception {
    Kubectl kubectl = grant.kubectl();
    try (Kubectl.Running shell =
            kubectl.startInTerminal("exec", "-it", "shell", "-n", ns, "--", "sh");
        Kubectl.Running logs = kubectl.start("logs", "-f", "shell", "-n", ns);
        Kubectl.Running watch = kubectl.start("get", "pods", "-n", ns, "-w");
        Kubectl.Running forward =
            kubectl.start("port-forward", "-n", ns, "pod/shell", ":" + echo.getLocalPort())) {
      // Typed again until the shell answers: what is typed before kubectl holds the terminal may
      // be lost.
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(500))
          .failFast(() -> !shell.alive())
          .until(
              () -> {
                if (shell.output().contains("ready-42")) {
                  return true;
                }
                shell.type("echo ready-$((40+2))\n");
                return false;
              });
      await().atMost(Duration.ofSeconds(15)).until(() -> watch.output().contains("shell"));
      forwardedPort(forward);
      await().atMost(Duration.ofSeconds(15)).until(() -> !logs.output().isEmpty());
      assertThat(List.of(shell, logs, watch, forward)).allMatch(Kubectl.Running::alive);

      Map<String, Kubectl.Running> open =
          Map.of("exec -it", shell, "logs -f", logs, "get -w", watch, "port-forward", forward);
      Map<String, CompletableFuture<Long>> endedAt = new TreeMap<>();
      open.forEach(
          (what, running) ->
              endedAt.put(what, running.process.onExit().thenApply(p -> System.nanoTime())));
      long start = System.nanoTime();
      end.run();
      Map<String, Duration> took = new TreeMap<>();
      for (var entry : endedAt.entrySet()) {
        assertThat(open.get(entry.getKey()).awaitEnd(Duration.ofSeconds(5)))
            .as(entry.getKey() + " ended")
            .isTrue();
        took.put(entry.getKey(), Duration.ofNanos(entry.getValue().get() - start));
      }
      System.out.println("closed after: " + took);
      return took;
    }
  }

  // ---------------------------------------------------------------- helpers

  private static int forwardedPort(Kubectl.Running forward) {
    await().atMost(Duration.ofSeconds(15)).until(() -> FORWARDING.matcher(forward.output()).find());
    Matcher m = FORWARDING.matcher(forward.output());
    m.find();
    return Integer.parseInt(m.group(1));
  }

  private static String token(Path kubeconfig) throws IOException {
    Matcher m = Pattern.compile("token: \"?([^\"\\s]+)").matcher(Files.readString(kubeconfig));
    if (!m.find()) {
      throw new IllegalStateException("no token in " + kubeconfig);
    }
    return m.group(1);
  }

  private static HttpClient apiServerClient() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry(
        "ca",
        CertificateFactory.getInstance("X.509")
            .generateCertificate(
                new java.io.ByteArrayInputStream(
                    java.util.Base64.getDecoder().decode(real.cluster.caData))));
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(tls).build();
  }
}
