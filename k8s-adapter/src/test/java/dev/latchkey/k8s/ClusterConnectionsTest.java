package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConnectionsTest {
  private static final String KUBECONFIG =
      """
      apiVersion: v1
      kind: Config
      clusters:
      - name: one
        cluster:
          server: https://one.internal:6443
          certificate-authority-data: Q0EtT05F
      - name: two
        cluster:
          server: https://two.internal:6443/
          certificate-authority-data: Q0EtVFdP
      users:
      - name: latchkey
        user:
          token: not-a-real-token
      contexts:
      - name: one
        context: {cluster: one, user: latchkey}
      - name: two
        context: {cluster: two, user: latchkey}
      current-context: one
      """;

  @TempDir Path dir;

  private Path kubeconfig() throws IOException {
    return Files.writeString(dir.resolve("config"), KUBECONFIG);
  }

  @Test
  void clientsHaveShortTimeoutsNoRetriesAndTheJdkHttpClient() throws IOException {
    try (ClusterConnection c =
        ClusterConnections.fromKubeconfig(kubeconfig(), Optional.empty(), Optional.empty())) {
      var config = c.client().getConfiguration();
      assertThat(config.getConnectionTimeout()).isEqualTo(5_000);
      assertThat(config.getRequestTimeout()).isEqualTo(10_000);
      assertThat(config.getRequestRetryBackoffLimit()).isZero();
      assertThat(c.client().getHttpClient().getClass().getName()).contains("jdkhttp");
    }
  }

  @Test
  void theCurrentContextAndItsServerAreTheDefaults() throws IOException {
    try (ClusterConnection c =
        ClusterConnections.fromKubeconfig(kubeconfig(), Optional.empty(), Optional.empty())) {
      assertThat(c.client().getMasterUrl().toString()).isEqualTo("https://one.internal:6443/");
      assertThat(c.supportServer()).isEqualTo("https://one.internal:6443");
      assertThat(c.caCertData()).contains("Q0EtT05F");
    }
  }

  @Test
  void aNamedContextAndASupportServerCanBeChosen() throws IOException {
    try (ClusterConnection c =
        ClusterConnections.fromKubeconfig(
            kubeconfig(),
            Optional.of("two"),
            Optional.of("https://support.vendor.example/prod/"))) {
      assertThat(c.client().getMasterUrl().toString()).isEqualTo("https://two.internal:6443/");
      assertThat(c.supportServer()).isEqualTo("https://support.vendor.example/prod");
      assertThat(c.caCertData()).contains("Q0EtVFdP");
    }
  }

  @Test
  void mistakesAreNamed() throws IOException {
    Path file = kubeconfig();
    assertThatThrownBy(
            () -> ClusterConnections.fromKubeconfig(file, Optional.of("three"), Optional.empty()))
        .hasMessageContaining("no context three");
    assertThatThrownBy(
            () ->
                ClusterConnections.fromKubeconfig(
                    dir.resolve("missing"), Optional.empty(), Optional.empty()))
        .hasMessageContaining("not a readable file");
    assertThatThrownBy(
            () -> ClusterConnections.fromKubeconfig(file, Optional.empty(), Optional.of("support")))
        .hasMessageContaining("supportServer must be an http(s) URL");
  }
}
