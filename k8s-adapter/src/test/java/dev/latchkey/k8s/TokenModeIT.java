package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.ClusterAccess.CredentialResult;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.Kubeconfig;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token mode end to end on a real API server: the kubeconfig an engineer gets, and how fast it
 * stops working.
 */
@ExtendWith(RealClusterExtension.class)
class TokenModeIT {
  private static final Logger log = LoggerFactory.getLogger(TokenModeIT.class);
  private static FabricClusterAccess access;
  private static String ns;

  @BeforeAll
  static void setUp(RealCluster cluster) {
    access = cluster.accessAsLatchkey();
    ns = cluster.createNamespace("latchkey-it-token");
  }

  @AfterAll
  static void tearDown(RealCluster cluster) {
    if (access != null) {
      access.close();
    }
    cluster.deleteNamespace(ns);
  }

  @Test
  void theKubeconfigWorksAsTheRoleAllowsAndStopsWorkingOnRevoke(RealCluster cluster) {
    RequestId id = Grants.newId();
    Instant expires = Instant.now().plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.SECONDS);
    assertThat(access.grant(grant(id, expires))).isEqualTo(new GrantResult.Granted());

    Kubeconfig kubeconfig = issue(id, expires);
    Config config = Config.fromKubeconfig(kubeconfig.text());
    assertThat(config.getMasterUrl()).isEqualTo(cluster.server + "/");
    assertThat(config.getCaCertData()).isEqualTo(cluster.caData);

    try (KubernetesClient engineer = ClusterConnections.client(config)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> status(engineer, ns) == 200);
      assertThat(status(() -> engineer.apps().deployments().inNamespace(ns).list())).isEqualTo(200);
      assertThat(status(() -> engineer.secrets().inNamespace(ns).list()))
          .as("list secrets")
          .isEqualTo(403);
      assertThat(status(() -> engineer.secrets().inNamespace(ns).withName("any").get()))
          .as("get a secret")
          .isEqualTo(403);
      assertThat(status(engineer, "default")).as("outside the granted namespace").isEqualTo(403);

      assertThat(access.revoke(Footprint.of(grant(id, expires))))
          .isEqualTo(new RemovalResult.Removed(2));
      long revoked = System.nanoTime();

      await()
          .atMost(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> status(engineer, ns) == 403);
      Duration refused = Duration.ofNanos(System.nanoTime() - revoked);
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> status(engineer, ns) == 401);
      Duration rejected = Duration.ofNanos(System.nanoTime() - revoked);
      log.info(
          "after revoke: token refused (403) after {} ms, rejected (401) after {} ms",
          refused.toMillis(),
          rejected.toMillis());
    }
  }

  @Test
  void aTokenEndsWithItsGrantAndLastsAtLeastKubernetesMinimum() {
    RequestId id = Grants.newId();
    Instant expires = Instant.now().plus(Duration.ofMinutes(3)).truncatedTo(ChronoUnit.SECONDS);
    assertThat(access.grant(grant(id, expires))).isEqualTo(new GrantResult.Granted());
    try {
      Instant before = Instant.now();
      Kubeconfig shortest = issue(id, expires);
      assertThat(shortest.tokenExpiresAt())
          .isBetween(before.plusSeconds(599), Instant.now().plusSeconds(600));

      Instant far = Instant.now().plus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
      Kubeconfig longer = issue(id, far);
      assertThat(longer.tokenExpiresAt()).isBetween(far.minusSeconds(60), far);
    } finally {
      access.revoke(Footprint.of(grant(id, expires)));
    }
  }

  @Test
  void noServiceAccountNoToken() {
    assertThat(
            access.issueCredential(
                RealCluster.REF, Grants.newId(), Instant.now().plusSeconds(3600)))
        .isInstanceOfSatisfying(
            CredentialResult.Unavailable.class, u -> assertThat(u.message()).contains("not found"));
  }

  /**
   * Issues a credential and checks the promise on the token itself (its signed {@code exp}, not
   * only what the answer reported): never later than the grant's expiry, or than Kubernetes' 600 s
   * minimum counted from before the call when that is later.
   */
  private static Kubeconfig issue(RequestId id, Instant notAfter) {
    Instant before = Instant.now();
    CredentialResult result = access.issueCredential(RealCluster.REF, id, notAfter);
    assertThat(result).isInstanceOf(CredentialResult.Issued.class);
    Kubeconfig kubeconfig = ((CredentialResult.Issued) result).kubeconfig();
    java.util.regex.Matcher token =
        java.util.regex.Pattern.compile("(?m)^\\s*token:\\s*(\\S+)").matcher(kubeconfig.text());
    assertThat(token.find()).as("a token in the kubeconfig").isTrue();
    Instant exp = tokenExpiry(token.group(1));
    Instant latest =
        notAfter.isAfter(before.plusSeconds(600)) ? notAfter : Instant.now().plusSeconds(600);
    assertThat(exp).as("the token's own expiry").isBeforeOrEqualTo(latest);
    assertThat(kubeconfig.tokenExpiresAt()).isBeforeOrEqualTo(latest);
    return kubeconfig;
  }

  /** The {@code exp} claim of a JWT (seconds since the epoch). */
  private static Instant tokenExpiry(String token) {
    String payload =
        new String(
            java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]),
            java.nio.charset.StandardCharsets.UTF_8);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"exp\"\\s*:\\s*(\\d+)").matcher(payload);
    assertThat(m.find()).as("exp claim in %s", payload).isTrue();
    return Instant.ofEpochSecond(Long.parseLong(m.group(1)));
  }

  private static Grant grant(RequestId id, Instant expires) {
    return new Grant(
        id,
        RealCluster.REF,
        "latchkey-readonly",
        Grants.namespaces(ns),
        Grants.tokenSubject(id),
        expires,
        List.of("slack:T0C/U0A"),
        "token mode test");
  }

  private static int status(KubernetesClient client, String namespace) {
    return status(() -> client.pods().inNamespace(namespace).list());
  }

  private static int status(Runnable call) {
    try {
      call.run();
      return 200;
    } catch (KubernetesClientException e) {
      return e.getCode();
    }
  }
}
