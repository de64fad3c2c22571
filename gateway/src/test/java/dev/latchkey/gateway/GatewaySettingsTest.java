package dev.latchkey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The gateway's settings: safe defaults, and a clear refusal of anything unsafe or unusable. */
class GatewaySettingsTest {
  private static final Path DATA = Path.of("data");

  private static GatewaySettings.Builder builder() {
    return GatewaySettings.builder(URI.create("https://gw.vendor.example:8443"), DATA);
  }

  @Test
  void theDefaultsAreTheSafeOnes() {
    GatewaySettings settings = builder().build();

    assertThat(settings.port()).isEqualTo(8443);
    assertThat(settings.audience()).isEqualTo("latchkey-gateway");
    assertThat(settings.cutInterval()).isLessThanOrEqualTo(Duration.ofMillis(500));
    assertThat(settings.reviewCacheTtl()).isLessThanOrEqualTo(Duration.ofSeconds(10));
    assertThat(settings.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.maxRequestBodyBytes()).isEqualTo(4L * 1024 * 1024);
    assertThat(settings.certFile()).isEmpty();
  }

  @Test
  void aClustersUrlIsUnderClusters() {
    assertThat(builder().build().serverUrl(new ClusterRef(new CustomerId("acme"), "prod")))
        .isEqualTo("https://gw.vendor.example:8443/clusters/acme/prod");
    assertThat(
            GatewaySettings.builder(URI.create("https://gw.example/"), DATA)
                .build()
                .serverUrl(new ClusterRef(new CustomerId("acme"), "prod")))
        .isEqualTo("https://gw.example/clusters/acme/prod");
  }

  @Test
  void unsafeOrUnusableSettingsAreRefused() {
    assertThatThrownBy(() -> GatewaySettings.builder(URI.create("http://gw.example"), DATA).build())
        .hasMessageContaining("https://host");
    assertThatThrownBy(
            () -> GatewaySettings.builder(URI.create("https://gw.example/proxy"), DATA).build())
        .hasMessageContaining("without a path");
    assertThatThrownBy(() -> builder().cutInterval(Duration.ofSeconds(1)).build())
        .hasMessageContaining("within a second");
    assertThatThrownBy(() -> builder().reviewCacheTtl(Duration.ofMinutes(1)).build())
        .hasMessageContaining("at most 10 s");
    assertThatThrownBy(() -> builder().port(70000).build()).hasMessageContaining("port");
    assertThatThrownBy(() -> builder().audience(" ").build()).hasMessageContaining("audience");
    assertThatThrownBy(() -> builder().headerTimeout(Duration.ZERO).build())
        .hasMessageContaining("headerTimeout");
    assertThatThrownBy(() -> builder().maxHeaderBytes(100).build()).hasMessageContaining("1 KiB");
  }

  @Test
  void aConfiguredCertificateNeedsItsKey() {
    GatewaySettings settings =
        builder().tls(Path.of("c.pem"), Path.of("k.pem"), Optional.empty()).build();
    assertThat(settings.certFile()).hasValue(Path.of("c.pem"));

    assertThatThrownBy(
            () ->
                new GatewaySettings(
                    "0.0.0.0",
                    8443,
                    URI.create("https://gw.example"),
                    Optional.of(Path.of("c")),
                    Optional.empty(),
                    Optional.empty(),
                    DATA,
                    "a",
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofMillis(250),
                    Duration.ofSeconds(1),
                    4096,
                    4096,
                    10,
                    10,
                    10,
                    0,
                    1))
        .hasMessageContaining("together");
  }
}
