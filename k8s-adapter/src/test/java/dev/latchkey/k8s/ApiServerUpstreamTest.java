package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import org.junit.jupiter.api.Test;

/** What the gateway takes from a cluster's client configuration to reach its API server. */
class ApiServerUpstreamTest {

  @Test
  void aTokenConfigurationGivesTheServerAndTheToken() {
    ApiServerUpstream upstream =
        ApiServerUpstream.of(
            new ConfigBuilder(Config.empty())
                .withMasterUrl("https://10.0.0.1:6443/")
                .withOauthToken("latchkey-token")
                .build());

    assertThat(upstream.server().getHost()).isEqualTo("10.0.0.1");
    assertThat(upstream.port()).isEqualTo(6443);
    assertThat(upstream.pathPrefix()).isEmpty();
    assertThat(upstream.bearerToken()).hasValue("latchkey-token");
    assertThat(upstream.keyManager()).isEmpty();
    assertThat(upstream.verifyHostname()).isTrue();
    assertThat(upstream.toString()).doesNotContain("latchkey-token");
  }

  @Test
  void aPathPrefixAndTheDefaultPortAreKept() {
    ApiServerUpstream upstream =
        ApiServerUpstream.of(
            new ConfigBuilder(Config.empty())
                .withMasterUrl("https://rancher.example/k8s/clusters/c-1/")
                .withOauthToken("t")
                .build());

    assertThat(upstream.port()).isEqualTo(443);
    assertThat(upstream.pathPrefix()).isEqualTo("/k8s/clusters/c-1");
  }

  @Test
  void insecureSkipVerifyTurnsHostnameChecksOff() {
    ApiServerUpstream upstream =
        ApiServerUpstream.of(
            new ConfigBuilder(Config.empty())
                .withMasterUrl("https://10.0.0.1:6443")
                .withOauthToken("t")
                .withTrustCerts(true)
                .build());

    assertThat(upstream.verifyHostname()).isFalse();
  }

  @Test
  void noCredentialsOrPlainHttpAreRefused() {
    assertThatThrownBy(
            () ->
                ApiServerUpstream.of(
                    new ConfigBuilder(Config.empty())
                        .withMasterUrl("https://10.0.0.1:6443")
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("neither a client certificate nor a token");
    assertThatThrownBy(
            () ->
                ApiServerUpstream.of(
                    new ConfigBuilder(Config.empty())
                        .withMasterUrl("http://10.0.0.1:8080")
                        .withOauthToken("t")
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HTTPS only");
  }
}
