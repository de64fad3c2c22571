package dev.latchkey.bot.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.gateway.Kubectl;
import dev.latchkey.k8s.ClusterConnections;
import dev.latchkey.k8s.GrantObjects;
import dev.latchkey.storage.Database;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Latchkey killed with SIGKILL while grants are active and while grants are half done, then started
 * again after every expiry has passed, against a real API server. Latchkey runs as a child JVM (the
 * launcher {@link ChildLatchkey}, whose clock can run ahead), driven over HTTP with signed Slack
 * requests, with WireMock as Slack in this JVM. By the time the restarted process answers /readyz,
 * nothing of those grants may be left in the cluster; once stopped, every request must be in a
 * final state with nothing left to remove, and the audit chain must verify.
 *
 * <p>Runs where the real-API-server tier runs ({@code LATCHKEY_IT_KUBECONFIG}, an admin
 * kubeconfig).
 */
class KillAndRestartIT {
  private static final String KUBECONFIG_ENV = "LATCHKEY_IT_KUBECONFIG";
  private static final Duration READY_WITHIN = Duration.ofSeconds(40);
  private static final Duration AFTER_EVERY_EXPIRY = Duration.ofHours(9);

  /** H2 writes a commit to its file up to 500 ms after it returns, by default. */
  private static final Pattern REQUEST_ID = Pattern.compile("ar-[0-9a-z]{8}");

  private static final ClusterRef PROD = new ClusterRef(new CustomerId("acme"), "prod");
  private static final Requester ENGINEER =
      new Requester(
          new Actor.SlackUser(FakeSlack.VENDOR_TEAM, FakeSlack.ENGINEER),
          Optional.of("alice@vendor.example"));
  private static final Actor.SlackUser APPROVER =
      new Actor.SlackUser(FakeSlack.CUSTOMER_TEAM, "U0APPROVER1");

  @TempDir Path dir;
  private Path kubeconfig;
  private KubernetesClient admin;
  private FakeSlack slack;
  private Process child;
  private Path childLog;
  private int port;
  private int managementPort;
  private int gatewayPort;
  private final List<RequestId> ids = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    String path = System.getenv(KUBECONFIG_ENV);
    Assumptions.assumeTrue(
        path != null && !path.isBlank(),
        KUBECONFIG_ENV + " is not set: kill-and-restart against a real API server is skipped");
    kubeconfig = Path.of(path).toAbsolutePath();
    admin = ClusterConnections.client(Config.fromKubeconfig(Files.readString(kubeconfig)));
    for (String manifest : List.of("namespace.yaml", "catalogue.yaml")) {
      try (InputStream in = Files.newInputStream(deployDir().resolve(manifest))) {
        for (HasMetadata object : admin.load(in).items()) {
          createUnlessPresent(object);
        }
      }
    }
    slack = new FakeSlack();
    gatewayPort = freePort(); // the same across the restart: handed-out kubeconfigs name it
  }

  @AfterEach
  void tearDown() {
    if (child != null && child.isAlive()) {
      child.destroyForcibly();
    }
    if (admin != null) {
      for (RequestId id : ids) { // only after a failure is anything left
        try {
          admin.rbac().clusterRoleBindings().withLabels(GrantObjects.requestSelector(id)).delete();
          admin
              .serviceAccounts()
              .inNamespace(GrantObjects.GRANTS_NAMESPACE)
              .withLabels(GrantObjects.requestSelector(id))
              .delete();
        } catch (KubernetesClientException e) {
          // best effort
        }
      }
      admin.close();
    }
    if (slack != null) {
      slack.close();
    }
  }

  @Test
  void killedWithGrantsActiveAndHalfDoneThenRestartedAfterTheirEndLeavesNothing() throws Exception {
    long started = System.nanoTime();
    Path config = writeConfig();
    String jdbcUrl = "jdbc:h2:file:" + dir.resolve("db").resolve("latchkey");

    // 1. A running Latchkey: cluster enabled, three requests, two approved and granted for real,
    // one pending.
    startChild(config, Duration.ZERO);
    assertThat(command(FakeSlack.CUSTOMER_TEAM, FakeSlack.ADMIN, "enable prod", "enable"))
        .contains("now enabled");
    List<RequestId> submitted = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      String answer =
          command(
              FakeSlack.VENDOR_TEAM,
              FakeSlack.ENGINEER,
              "request prod readonly 1h INC-" + i + " kill drill",
              "submit-" + i);
      Matcher m = REQUEST_ID.matcher(answer);
      assertThat(m.find()).as("request id in %s", answer).isTrue();
      submitted.add(new RequestId(m.group()));
    }
    ids.addAll(submitted);
    List<RequestId> granted = submitted.subList(0, 2);
    RequestId pending = submitted.get(2);
    for (RequestId id : granted) {
      String body =
          FakeSlack.payloadForm(
              slack
                  .clickPayload(
                      FakeSlack.CUSTOMER_TEAM, APPROVER.userId(), "latchkey.approve", id.value())
                  .toString());
      assertThat(slack.send(slack.signed(endpoint(), body, FakeSlack.FORM)).statusCode())
          .isEqualTo(200);
    }
    for (RequestId id : granted) {
      FakeSlack.soon(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                assertThat(binding(id)).as("binding of %s", id).isNotNull();
                assertThat(serviceAccount(id)).as("ServiceAccount of %s", id).isNotNull();
                // ACTIVE is committed before the card says so.
                assertThat(slack.calls("chat.update"))
                    .anyMatch(
                        u ->
                            FakeSlack.shownText(u).contains(id.value())
                                && FakeSlack.shownText(u).contains("*Active*"));
              });
    }

    // A gateway grant with a watch open through Latchkey's session gateway.
    assertThat(command(FakeSlack.CUSTOMER_TEAM, FakeSlack.ADMIN, "enable gw", "enable-gw"))
        .contains("now enabled");
    RequestId gatewayGrant =
        new RequestId(
            firstId(
                command(
                    FakeSlack.VENDOR_TEAM,
                    FakeSlack.ENGINEER,
                    "request gw readonly 1h INC-4 kill drill through the gateway",
                    "submit-gw")));
    ids.add(gatewayGrant);
    approve(gatewayGrant);
    FakeSlack.soon(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                // ACTIVE is committed before the card says so.
                assertThat(slack.calls("chat.update"))
                    .anyMatch(
                        u ->
                            FakeSlack.shownText(u).contains(gatewayGrant.value())
                                && FakeSlack.shownText(u).contains("*Active*")));
    Path gatewayKubeconfig = dir.resolve("engineer-gw.kubeconfig");
    Files.writeString(
        gatewayKubeconfig,
        kubeconfigIn(
            command(
                FakeSlack.VENDOR_TEAM,
                FakeSlack.ENGINEER,
                "kubeconfig " + gatewayGrant,
                "kubeconfig-gw")));
    Kubectl kubectl = new Kubectl(gatewayKubeconfig);
    assertThat(kubectl.run("get", "namespaces").output()).contains("default");

    // 2. SIGKILL: no shutdown hook, nothing removed. What was committed is on disk
    // (CommitSurvivesKillTest). A session through the gateway dies with the process.
    try (Kubectl.Running watch = kubectl.start("get", "namespaces", "-w")) {
      FakeSlack.soon(Duration.ofSeconds(20)).until(() -> watch.alive() && !watchStarting(watch));
      child.destroyForcibly();
      assertThat(child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(watch.awaitEnd(Duration.ofSeconds(5)))
          .as("the watch through the gateway ends with Latchkey")
          .isTrue();
    }
    for (RequestId id : granted) {
      assertThat(binding(id)).as("binding of %s after the kill", id).isNotNull();
    }

    // 3. Grants a crash leaves half done, written while the process is dead (H2 allows one
    // process): approved and
    //    marked as possibly present, one with only its ServiceAccount created, one with nothing
    // created yet.
    RequestId halfDone = RequestId.random(new SecureRandom());
    RequestId notStarted = RequestId.random(new SecureRandom());
    ids.add(halfDone);
    ids.add(notStarted);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    try (Database db = Database.builder(jdbcUrl).credentials("", "").sinks(List.of()).open()) {
      for (RequestId id : List.of(halfDone, notStarted)) {
        AccessRequest approved = seedApproved(db.requests(), id, now);
        if (id.equals(halfDone)) {
          admin.resource(serviceAccountOf(approved)).create();
        }
      }
    }
    assertThat(serviceAccount(halfDone)).isNotNull();
    assertThat(binding(halfDone)).isNull();

    // 4. Restart after every end has passed: all of it is handled before Latchkey serves.
    long restarting = System.nanoTime();
    startChild(config, AFTER_EVERY_EXPIRY);
    Duration toReady = Duration.ofNanos(System.nanoTime() - restarting);
    for (RequestId id : ids) {
      assertThat(managedObjects(id)).as("objects of %s once ready again", id).isEmpty();
    }
    // The gateway grant ended while Latchkey was dead: its kubeconfig is refused after the restart.
    Kubectl.Result afterRestart = kubectl.run("get", "namespaces");
    assertThat(afterRestart.ok()).as(afterRestart.output()).isFalse();
    assertThat(afterRestart.output()).containsAnyOf("expired", "Unauthorized");
    Path restartLog = childLog;

    // 5. Stopped gracefully, the records say the same, and the chain of the audit log is intact.
    child.destroy();
    assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS))
        .as("graceful stop")
        .isTrue();
    try (Database db = Database.builder(jdbcUrl).credentials("", "").sinks(List.of()).open()) {
      for (RequestId id : ids) {
        AccessRequest r = db.requests().find(id).orElseThrow();
        assertThat(r.state().isFinal()).as("state of %s: %s", id, r.state()).isTrue();
        assertThat(r.grantPresent()).as("%s still owes a removal", id).isFalse();
      }
      for (RequestId id :
          List.of(granted.get(0), granted.get(1), halfDone, notStarted, gatewayGrant)) {
        assertThat(db.requests().find(id).orElseThrow().state())
            .as(
                "state of %s; its audit trail: %s",
                id, db.audit().forRequest(id).stream().map(e -> e.event().action()).toList())
            .isEqualTo(RequestState.EXPIRED);
        assertThat(db.audit().forRequest(id))
            .extracting(e -> e.event().action())
            .contains(AuditAction.REQUEST_EXPIRED, AuditAction.GRANT_REMOVED);
      }
      assertThat(db.requests().find(pending).orElseThrow().state())
          .isEqualTo(RequestState.TIMED_OUT);
      assertThat(db.audit().verify()).isInstanceOf(AuditLog.ChainCheck.Intact.class);
    }
    // And the removals were made while catching up, before Slack was served (not by the timers
    // afterwards).
    List<String> printed = Files.readAllLines(restartLog, StandardCharsets.UTF_8);
    int ready = indexOf(printed, "Latchkey ready: Slack on port");
    assertThat(ready).as("ready line in the restart's output").isNotNegative();
    for (RequestId id : List.of(granted.get(0), granted.get(1), halfDone, notStarted)) {
      int removed =
          indexOf(printed, "\"action\":\"grant.removed\"", "\"request_id\":\"" + id + "\"");
      assertThat(removed)
          .as("grant.removed of %s printed before ready", id)
          .isNotNegative()
          .isLessThan(ready);
    }
    System.out.println(
        "kill and restart: "
            + ids.size()
            + " requests, restarted and ready in "
            + toReady.toMillis()
            + " ms, whole test "
            + Duration.ofNanos(System.nanoTime() - started).toMillis()
            + " ms");
  }

  // ---------------------------------------------------------------- the child process

  private Path writeConfig() throws IOException {
    String yaml =
        """
        database:
          url: jdbc:h2:file:%s
        customers:
          - id: acme
            slack:
              teamId: %s
              channel: %s
              approvers: { users: [%s] }
              admins: [%s]
            clusters:
              - name: prod
                kubeconfig: %s
              - name: gw
                kubeconfig: %s
                credentials: gateway
        """
            .formatted(
                dir.resolve("db").resolve("latchkey"),
                FakeSlack.CUSTOMER_TEAM,
                FakeSlack.CHANNEL,
                APPROVER.userId(),
                FakeSlack.ADMIN,
                kubeconfig,
                kubeconfig);
    Path config = dir.resolve("latchkey.yml");
    Files.writeString(config, yaml, StandardCharsets.UTF_8);
    return config;
  }

  /**
   * Starts Latchkey in a child JVM and waits until /readyz answers 200 (it serves only after
   * catching up).
   */
  private void startChild(Path config, Duration clockOffset) throws Exception {
    port = freePort();
    managementPort = freePort();
    childLog = dir.resolve("latchkey-" + clockOffset.toHours() + "h.log");
    String java = ProcessHandle.current().info().command().orElseThrow();
    ProcessBuilder builder =
        new ProcessBuilder(
                java,
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xss512k",
                "-cp",
                System.getProperty("java.class.path"),
                ChildLatchkey.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(childLog.toFile());
    Map<String, String> env = builder.environment();
    env.put("SLACK_BOT_TOKEN", FakeSlack.BOT_TOKEN);
    env.put("SLACK_SIGNING_SECRET", FakeSlack.SIGNING_SECRET);
    env.put("SLACK_API_URL", slack.apiUrl());
    env.put("PORT", Integer.toString(port));
    env.put("MANAGEMENT_PORT", Integer.toString(managementPort));
    env.put("LATCHKEY_CONFIG", config.toString());
    env.put("LATCHKEY_GATEWAY_PUBLIC_URL", "https://127.0.0.1:" + gatewayPort);
    env.put("LATCHKEY_GATEWAY_PORT", Integer.toString(gatewayPort));
    env.put("LATCHKEY_GATEWAY_ADDRESS", "127.0.0.1");
    env.put("LATCHKEY_GATEWAY_DIR", dir.resolve("gateway").toString());
    env.put(ChildLatchkey.CLOCK_OFFSET_ENV, clockOffset.toString());
    env.remove("LATCHKEY_DB_URL");
    child = builder.start();
    Instant deadline = Instant.now().plus(READY_WITHIN);
    while (true) {
      assertThat(child.isAlive())
          .as("Latchkey exited while starting:\n%s", tail(childLog))
          .isTrue();
      try {
        HttpResponse<String> ready =
            slack.get(URI.create("http://localhost:" + managementPort + "/readyz"));
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (ConnectException e) {
        // not serving yet
      }
      assertThat(Instant.now())
          .as("Latchkey not ready within %s:\n%s", READY_WITHIN, tail(childLog))
          .isBefore(deadline);
      Thread.sleep(50);
    }
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  private URI endpoint() {
    return uri("/slack/events");
  }

  private void approve(RequestId id) throws Exception {
    String body =
        FakeSlack.payloadForm(
            slack
                .clickPayload(
                    FakeSlack.CUSTOMER_TEAM, APPROVER.userId(), "latchkey.approve", id.value())
                .toString());
    assertThat(slack.send(slack.signed(endpoint(), body, FakeSlack.FORM)).statusCode())
        .isEqualTo(200);
  }

  private static String firstId(String answer) {
    Matcher m = REQUEST_ID.matcher(answer);
    assertThat(m.find()).as("request id in %s", answer).isTrue();
    return m.group();
  }

  /** The kubeconfig of a {@code /access kubeconfig} answer: its code block, mrkdwn unescaped. */
  private static String kubeconfigIn(String answer) {
    int start = answer.indexOf("```\n");
    int end = answer.lastIndexOf("\n```");
    assertThat(start).as("a kubeconfig in %s", answer).isNotNegative();
    return answer
        .substring(start + 4, end)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
  }

  /** Whether a watch is still before its first answer (kubectl prints a header or a line). */
  private static boolean watchStarting(Kubectl.Running watch) {
    return watch.output().isEmpty();
  }

  /** Sends {@code /access <text>} and returns the answer posted to its response_url. */
  private String command(String team, String user, String text, String responseName)
      throws Exception {
    HttpResponse<String> ack =
        slack.send(
            slack.signed(
                endpoint(), slack.commandBody(team, user, text, responseName), FakeSlack.FORM));
    assertThat(ack.statusCode()).as("ack of /access %s", text).isEqualTo(200);
    FakeSlack.soon(Duration.ofSeconds(20)).until(() -> !slack.responsesTo(responseName).isEmpty());
    return slack.responsesTo(responseName).getFirst().path("text").asText();
  }

  // ---------------------------------------------------------------- what a crash mid-grant leaves

  /**
   * A request approved a minute ago for an hour, as approve() stores it just before the grant is
   * made.
   */
  private static AccessRequest seedApproved(RequestStore requests, RequestId id, Instant now) {
    Instant submittedAt = now.minus(Duration.ofMinutes(2));
    Instant approvedAt = now.minus(Duration.ofMinutes(1));
    AccessRequest pending =
        AccessRequest.submitted(
            id,
            RequestKind.ACCESS,
            Optional.empty(),
            PROD,
            "readonly",
            Scope.CLUSTER,
            CredentialMode.TOKEN,
            ENGINEER,
            "INC-9 crash mid-grant",
            Duration.ofHours(1),
            submittedAt,
            ClusterPolicy.DEFAULT_PENDING_TTL,
            1);
    requests.insert(
        pending,
        List.of(
            AuditEvent.about(
                pending,
                submittedAt,
                ENGINEER.user(),
                AuditAction.REQUEST_SUBMITTED,
                AuditResult.OK,
                Map.of(
                    "cluster",
                    "prod",
                    "role",
                    "readonly",
                    "scope",
                    Scope.CLUSTER.describe(),
                    "duration",
                    "1h",
                    "reason",
                    pending.reason()))));
    Instant expiry = approvedAt.plus(pending.duration());
    AccessRequest approved =
        pending
            .withApprovals(List.of(new Approval(APPROVER, approvedAt, DecisionMethod.BUTTON)))
            .withState(RequestState.APPROVED)
            .withDecision(approvedAt, APPROVER)
            .withExpiresAt(expiry)
            .withGrantPresent(true)
            .withRetry(0, Optional.of(approvedAt));
    List<AuditEvent> events =
        List.of(
            AuditEvent.about(
                pending,
                approvedAt,
                APPROVER,
                AuditAction.APPROVAL_GIVEN,
                AuditResult.OK,
                Map.of("method", "button", "approvals", "1 of 1")),
            AuditEvent.about(
                pending,
                approvedAt,
                APPROVER,
                AuditAction.REQUEST_APPROVED,
                AuditResult.OK,
                Map.of("method", "button", "expires_at", expiry.toString())));
    assertThat(requests.update(pending, approved, events))
        .isInstanceOf(RequestStore.Update.Applied.class);
    return requests.find(id).orElseThrow();
  }

  /** The ServiceAccount Latchkey would create first for this request (labelled as its own). */
  private static HasMetadata serviceAccountOf(AccessRequest r) {
    ClusterAccess.Grant grant =
        new ClusterAccess.Grant(
            r.id(),
            r.cluster(),
            "latchkey-readonly",
            r.scope(),
            Subject.of(
                r.id(), r.credentials(), r.requester(), ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE),
            r.expiresAt().orElseThrow(),
            List.of(APPROVER.audit()),
            r.reason());
    return GrantObjects.serviceAccount(grant).orElseThrow();
  }

  // ---------------------------------------------------------------- the real cluster

  private HasMetadata binding(RequestId id) {
    return admin.rbac().clusterRoleBindings().withName(GrantObjects.bindingName(id)).get();
  }

  private HasMetadata serviceAccount(RequestId id) {
    return admin
        .serviceAccounts()
        .inNamespace(GrantObjects.GRANTS_NAMESPACE)
        .withName(id.value())
        .get();
  }

  /** Everything labelled managed-by=latchkey for this request, anywhere. */
  private List<HasMetadata> managedObjects(RequestId id) {
    Map<String, String> selector = GrantObjects.requestSelector(id);
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(admin.rbac().clusterRoleBindings().withLabels(selector).list().getItems());
    found.addAll(
        admin.rbac().roleBindings().inAnyNamespace().withLabels(selector).list().getItems());
    found.addAll(admin.serviceAccounts().inAnyNamespace().withLabels(selector).list().getItems());
    return found;
  }

  private void createUnlessPresent(HasMetadata object) {
    try {
      admin.resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Path deployDir() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("deploy").resolve("catalogue.yaml"))
          && Files.isRegularFile(d.resolve("pom.xml"))) {
        return d.resolve("deploy");
      }
    }
    throw new IllegalStateException(
        "no deploy/catalogue.yaml above " + Path.of("").toAbsolutePath());
  }

  /** The index of the first line holding every one of {@code parts}, or -1. */
  private static int indexOf(List<String> lines, String... parts) {
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (java.util.Arrays.stream(parts).allMatch(line::contains)) {
        return i;
      }
    }
    return -1;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
