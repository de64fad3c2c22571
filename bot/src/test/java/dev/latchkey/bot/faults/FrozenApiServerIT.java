package dev.latchkey.bot.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.bot.Latchkey;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.k8s.ClusterConnections;
import dev.latchkey.k8s.GrantObjects;
import dev.latchkey.k8s.OwnApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latchkey as it runs — its own timers, lanes and probe, nothing called by hand — with an API
 * server of the test's own that is frozen (SIGSTOP) across an expiry, then resumed. While it is
 * frozen the end of access is in the records at once and the removal fails within the client's
 * timeout; once it answers again the probe brings the removal forward and the grant is gone within
 * seconds, with one EXPIRED event, and nothing is left stuck.
 *
 * <p>Runs where the real-API-server tier runs ({@code LATCHKEY_IT_KUBECONFIG} set, and the API
 * server kit).
 */
class FrozenApiServerIT {
  private static final Logger log = LoggerFactory.getLogger(FrozenApiServerIT.class);
  private static final ClusterRef PROD = new ClusterRef(new CustomerId("acme"), "prod");
  private static final Actor.SlackUser ADMIN =
      new Actor.SlackUser(FakeSlack.CUSTOMER_TEAM, FakeSlack.ADMIN);
  private static final Actor.SlackUser APPROVER =
      new Actor.SlackUser(FakeSlack.CUSTOMER_TEAM, "U0APPROVER1");

  @TempDir Path dir;

  @Test
  void anExpiryWhileTheApiServerIsFrozenIsRemovedByTheTimersSoonAfterItResumes() throws Exception {
    String it = System.getenv("LATCHKEY_IT_KUBECONFIG");
    Assumptions.assumeTrue(
        it != null && !it.isBlank(),
        "LATCHKEY_IT_KUBECONFIG is not set: the frozen API server test is skipped");
    Path kit = OwnApiServer.kit();
    MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    try (OwnApiServer server = OwnApiServer.start(kit);
        KubernetesClient admin =
            ClusterConnections.client(
                Config.fromKubeconfig(Files.readString(server.adminKubeconfig())));
        FakeSlack slack = new FakeSlack()) {
      install(admin);
      try (Latchkey latchkey =
          Latchkey.start(settings(slack), config(server.adminKubeconfig()), clock)) {
        UseCases service = latchkey.core();
        assertThat(service.enable().enable(PROD, ADMIN, Set.of("readonly")))
            .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
        RequestId id =
            ((SubmitRequest.Result.Submitted)
                    service
                        .submit()
                        .submit(
                            new Submission(
                                PROD.customer(),
                                PROD.name(),
                                "readonly",
                                Optional.of(Duration.ofHours(1)),
                                List.of(),
                                new Requester(
                                    new Actor.SlackUser(FakeSlack.VENDOR_TEAM, FakeSlack.ENGINEER),
                                    Optional.of("alice@vendor.example")),
                                "INC-9 frozen API server drill")))
                .request()
                .id();
        service.decide().decide(Decision.click(id, APPROVER, Decision.Verdict.APPROVE));
        assertThat(state(latchkey, id).state()).isEqualTo(RequestState.ACTIVE);
        assertThat(objectsOf(admin, id)).hasSize(2);

        server.freeze();
        long resumedAt;
        try {
          clock.advance(Duration.ofHours(1).plusSeconds(1));
          await()
              .atMost(Duration.ofSeconds(3))
              .untilAsserted(
                  () ->
                      assertThat(state(latchkey, id).state())
                          .as("ended in the records while the server is frozen")
                          .isEqualTo(RequestState.EXPIRED));
          await()
              .atMost(ClusterConnections.REQUEST_TIMEOUT.multipliedBy(3))
              .untilAsserted(
                  () ->
                      assertThat(state(latchkey, id).attempts())
                          .as("the removal tried and failed")
                          .isGreaterThan(0));
          assertThat(state(latchkey, id).grantPresent()).isTrue();
        } finally {
          server.resume();
          resumedAt = System.nanoTime();
        }

        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> !state(latchkey, id).grantPresent());
        Duration removedIn = Duration.ofNanos(System.nanoTime() - resumedAt);
        log.info("frozen API server: grant removed {} ms after it resumed", removedIn.toMillis());
        assertThat(objectsOf(admin, id)).isEmpty();
        List<AuditAction> actions =
            latchkey.database().audit().forRequest(id).stream()
                .map(StoredAuditEvent::event)
                .map(e -> e.action())
                .toList();
        assertThat(actions).filteredOn(a -> a == AuditAction.REQUEST_EXPIRED).hasSize(1);
        assertThat(actions).contains(AuditAction.GRANT_REMOVAL_RETRY, AuditAction.GRANT_REMOVED);

        // Nothing is left stuck: the cluster check and Slack are answered at once.
        long probe = System.nanoTime();
        HttpResponse<String> ready =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://localhost:" + latchkey.managementPort() + "/readyz"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - probe)).isLessThan(Duration.ofSeconds(2));
      }
    }
  }

  private static AccessRequest state(Latchkey latchkey, RequestId id) {
    return latchkey.database().requests().find(id).orElseThrow();
  }

  private static List<HasMetadata> objectsOf(KubernetesClient admin, RequestId id) {
    List<HasMetadata> found = new java.util.ArrayList<>();
    found.addAll(
        admin
            .rbac()
            .clusterRoleBindings()
            .withLabels(GrantObjects.requestSelector(id))
            .list()
            .getItems());
    found.addAll(
        admin
            .serviceAccounts()
            .inNamespace(GrantObjects.GRANTS_NAMESPACE)
            .withLabels(GrantObjects.requestSelector(id))
            .list()
            .getItems());
    return found;
  }

  /** The namespaces and the catalogue, as whoever installs Latchkey applies them. */
  private static void install(KubernetesClient admin) throws Exception {
    for (String manifest : List.of("namespace.yaml", "catalogue.yaml")) {
      try (InputStream in = Files.newInputStream(deployFile(manifest))) {
        for (HasMetadata object : admin.load(in).items()) {
          admin.resource(object).create();
        }
      }
    }
  }

  private static Path deployFile(String name) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("deploy").resolve(name))) {
        return d.resolve("deploy").resolve(name);
      }
    }
    throw new IllegalStateException("deploy/" + name + " not found");
  }

  private static Settings settings(FakeSlack slack) {
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
            "0"));
  }

  private LatchkeyConfig config(Path kubeconfig) {
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
                kubeconfig: %s
        """
            .formatted(
                dir.resolve("latchkey"),
                FakeSlack.CUSTOMER_TEAM,
                FakeSlack.CHANNEL,
                FakeSlack.ADMIN,
                kubeconfig);
    return ConfigLoader.parse(yaml, "latchkey.yml");
  }
}
