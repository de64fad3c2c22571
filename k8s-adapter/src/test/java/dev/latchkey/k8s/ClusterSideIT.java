package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.ClusterAccess.CredentialResult;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.Listing;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import dev.latchkey.core.port.ClusterAccess.RoleCheck;
import dev.latchkey.core.port.ClusterAccess.UnmanagedListing;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Latchkey outside the cluster, as the README tells it, on a real API server: {@code kubectl apply
 * -k deploy-cluster-side/}, then {@code deploy/latchkey-kubeconfig.sh <context>}, then the
 * adapter's own calls through the kubeconfig the script wrote — a role check, a grant, the
 * listings, a token, a revocation — with exactly the rights deploy/rbac.yaml gives.
 *
 * <p>The kit's controller manager does not run Kubernetes' token controller (its {@code
 * --controllers} leave out {@code serviceaccount-token}), so nothing fills the token Secret there.
 * This test first checks that the script then stops with its message, and then fills the Secret as
 * the token controller would: {@code token}, {@code ca.crt} and {@code namespace}, and the
 * ServiceAccount's uid in an annotation. Its token is a TokenRequest token bound to the Secret (so
 * that, like the controller's, it dies with the Secret), lasting a year instead of for ever.
 */
@ExtendWith(RealClusterExtension.class)
class ClusterSideIT {
  private static final String NAMESPACE = RealCluster.LATCHKEY_NAMESPACE;
  private static final String SECRET = "latchkey-token";

  @TempDir Path dir;

  @Test
  void theOverlayAndTheScriptGiveLatchkeyAWorkingKubeconfig(RealCluster cluster)
      throws IOException {
    Manifests.assumeKubectl();
    Path repo = Manifests.deployDir().getParent();
    Path admin = RealClusterExtension.adminKubeconfig();
    String context = Config.fromKubeconfig(Files.readString(admin)).getCurrentContext().getName();
    RequestId id = Grants.newId();
    try {
      Run applied =
          run(
              admin,
              Map.of(),
              "kubectl",
              "apply",
              "-k",
              repo.resolve("deploy-cluster-side").toString());
      assertThat(applied.exit()).as(applied.err()).isZero();
      assertThat(applied.out()).contains("secret/" + SECRET);

      Run unfilled = run(admin, Map.of("LATCHKEY_TOKEN_WAIT", "1"), script(repo), context);
      assertThat(unfilled.exit()).isEqualTo(1);
      assertThat(unfilled.out()).isEmpty();
      assertThat(unfilled.err())
          .contains("the Secret latchkey/latchkey-token on " + context)
          .contains("still holds no token after 1s")
          .contains("serviceaccount-token");

      fillAsTheTokenControllerWould(cluster);
      Run written = run(admin, Map.of(), script(repo), context);
      assertThat(written.exit()).as(written.err()).isZero();
      Path kubeconfig = dir.resolve("latchkey.kubeconfig");
      Files.writeString(kubeconfig, written.out());

      ClusterConnection connection =
          ClusterConnections.fromKubeconfig(kubeconfig, Optional.empty(), Optional.empty());
      try (FabricClusterAccess access =
          new FabricClusterAccess(Map.of(RealCluster.REF, connection))) {
        Grant grant =
            new Grant(
                id,
                RealCluster.REF,
                "latchkey-readonly",
                Scope.CLUSTER,
                Grants.tokenSubject(id),
                Instant.now().plus(Duration.ofHours(1)),
                List.of("slack:T0C/U0A"),
                "Latchkey outside the cluster");

        assertThat(access.checkRole(RealCluster.REF, "latchkey-readonly"))
            .isEqualTo(new RoleCheck.Present(false));
        assertThat(access.grant(grant)).isEqualTo(new GrantResult.Granted());
        assertThat(access.listManaged(RealCluster.REF))
            .isInstanceOfSatisfying(
                Listing.Listed.class, l -> assertThat(l.grants()).anyMatch(g -> g.id().equals(id)));
        assertThat(access.listUnmanaged(RealCluster.REF))
            .isInstanceOf(UnmanagedListing.Listed.class);
        assertThat(
                access.issueCredential(
                    RealCluster.REF, id, Instant.now().plus(Duration.ofHours(1))))
            .isInstanceOf(CredentialResult.Issued.class);
        assertThat(access.revoke(Footprint.of(grant))).isEqualTo(new RemovalResult.Removed(2));
        assertThat(cluster.objectsOf(id)).isEmpty();
        assertThat(
                access.grant(
                    new Grant(
                        Grants.newId(),
                        RealCluster.REF,
                        "cluster-admin",
                        Scope.CLUSTER,
                        Grants.user("support:x@vendor.example"),
                        Instant.now().plus(Duration.ofHours(1)),
                        List.of("slack:T0C/U0A"),
                        "not offered as shipped")))
            .isInstanceOf(GrantResult.Refused.class);
      }
    } finally {
      cluster.admin.secrets().inNamespace(NAMESPACE).withName(SECRET).delete();
      try (FabricClusterAccess access = cluster.accessAsAdmin()) {
        access.revoke(new Footprint(RealCluster.REF, id, Scope.CLUSTER, true));
      }
    }
  }

  /** What Kubernetes' token controller writes into a token Secret of Latchkey's ServiceAccount. */
  private static void fillAsTheTokenControllerWould(RealCluster cluster) {
    ServiceAccount account =
        cluster.admin.serviceAccounts().inNamespace(NAMESPACE).withName("latchkey").get();
    Secret secret = cluster.admin.secrets().inNamespace(NAMESPACE).withName(SECRET).get();
    String token =
        cluster
            .admin
            .serviceAccounts()
            .inNamespace(NAMESPACE)
            .withName("latchkey")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(Duration.ofDays(365).toSeconds())
                    .withNewBoundObjectRef()
                    .withApiVersion("v1")
                    .withKind("Secret")
                    .withName(SECRET)
                    .withUid(secret.getMetadata().getUid())
                    .endBoundObjectRef()
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    cluster
        .admin
        .secrets()
        .inNamespace(NAMESPACE)
        .withName(SECRET)
        .edit(
            s -> {
              s.getMetadata()
                  .getAnnotations()
                  .put("kubernetes.io/service-account.uid", account.getMetadata().getUid());
              s.setData(
                  Map.of(
                      "token", base64(token),
                      "ca.crt", cluster.caData,
                      "namespace", base64(NAMESPACE)));
              return s;
            });
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String script(Path repo) {
    return repo.resolve("deploy").resolve("latchkey-kubeconfig.sh").toString();
  }

  private record Run(int exit, String out, String err) {}

  /** Runs a command with {@code KUBECONFIG} set to the admin kubeconfig, as its user would. */
  private Run run(Path kubeconfig, Map<String, String> env, String... command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process process =
        builder
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }
}
