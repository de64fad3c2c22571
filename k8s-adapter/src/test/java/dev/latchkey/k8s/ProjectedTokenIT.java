package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The token deploy/deployment.yaml projects into Latchkey's pod, asked for as the kubelet asks for
 * it (a TokenRequest bound to the pod) on a real API server: with {@code expirationSeconds: 600} it
 * lives 10 minutes, while the 3607 s of Kubernetes' own automounted token is silently stretched to
 * a year by the API server (--service-account-extend-token-expiration, on by default).
 */
@ExtendWith(RealClusterExtension.class)
class ProjectedTokenIT {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static String namespace;
  private static Pod pod;

  @BeforeAll
  static void setUp(RealCluster cluster) {
    namespace = cluster.createNamespace("latchkey-it-projected");
    cluster
        .admin
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("latchkey")
                .endMetadata()
                .build())
        .create();
    pod =
        cluster
            .admin
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("latchkey")
                    .endMetadata()
                    .withNewSpec()
                    .withServiceAccountName("latchkey")
                    .withAutomountServiceAccountToken(false)
                    .addNewContainer()
                    .withName("latchkey")
                    .withImage("registry.example.com/latchkey")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
  }

  @AfterAll
  static void tearDown(RealCluster cluster) {
    if (namespace != null) {
      cluster.deleteNamespace(namespace);
    }
  }

  @Test
  void theProjectedTokenLivesTenMinutes(RealCluster cluster) {
    assertThat(lifetime(cluster, 600)).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void kubernetesOwnAutomountedLifetimeWouldBeStretchedToAYear(RealCluster cluster) {
    assertThat(lifetime(cluster, 3607)).isEqualTo(Duration.ofDays(365));
  }

  /** exp - iat of a token the kubelet would get for the pod with this expirationSeconds. */
  private static Duration lifetime(RealCluster cluster, long expirationSeconds) {
    String token =
        cluster
            .admin
            .serviceAccounts()
            .inNamespace(namespace)
            .withName("latchkey")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(expirationSeconds)
                    .withNewBoundObjectRef()
                    .withApiVersion("v1")
                    .withKind("Pod")
                    .withName(pod.getMetadata().getName())
                    .withUid(pod.getMetadata().getUid())
                    .endBoundObjectRef()
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    Map<?, ?> claims =
        JSON.unmarshal(
            new String(
                Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8),
            Map.class);
    return Duration.ofSeconds(
        ((Number) claims.get("exp")).longValue() - ((Number) claims.get("iat")).longValue());
  }
}
