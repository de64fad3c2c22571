package dev.latchkey.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.gateway.GatewaySettings;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's own CA and serving certificate, made once and kept; or configured ones. */
class GatewayCertificatesTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  @TempDir Path dir;

  private static GatewaySettings settings(String url, Path dataDir) {
    return GatewaySettings.builder(URI.create(url), dataDir).build();
  }

  @Test
  void aCaAndAServingCertificateForThePublicHostAreMadeOnceReadableByTheOwnerOnly()
      throws Exception {
    ServerIdentity first =
        GatewayCertificates.load(settings("https://gw.vendor.example", dir), fixed(NOW));

    X509Certificate serving = first.chain().getFirst();
    X509Certificate ca = first.chain().get(1);
    serving.verify(ca.getPublicKey());
    assertThat(ca.getBasicConstraints()).isEqualTo(0);
    assertThat(serving.getSubjectAlternativeNames())
        .extracting(san -> String.valueOf(san.get(1)))
        .containsExactlyInAnyOrder("gw.vendor.example", "localhost", "127.0.0.1");
    assertThat(serving.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    String caPem =
        new String(
            Base64.getDecoder().decode(first.caCertData().orElseThrow()),
            StandardCharsets.US_ASCII);
    assertThat(caPem).startsWith("-----BEGIN CERTIFICATE-----");
    for (String file : List.of("ca.crt", "ca.key", "tls.crt", "tls.key")) {
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(dir.resolve("gateway").resolve(file))))
          .as(file)
          .isEqualTo("rw-------");
    }

    ServerIdentity again =
        GatewayCertificates.load(
            settings("https://gw.vendor.example", dir), fixed(NOW.plusSeconds(60)));
    assertThat(again.chain()).isEqualTo(first.chain());
    assertThat(again.caCertData()).isEqualTo(first.caCertData());
  }

  @Test
  void anotherHostOrANearEndGivesANewServingCertificateFromTheSameCa() throws Exception {
    ServerIdentity first =
        GatewayCertificates.load(settings("https://gw.example", dir), fixed(NOW));

    ServerIdentity moved =
        GatewayCertificates.load(settings("https://10.1.2.3:9443", dir), fixed(NOW));
    assertThat(moved.chain().getFirst()).isNotEqualTo(first.chain().getFirst());
    assertThat(moved.chain().getFirst().getSubjectAlternativeNames())
        .extracting(san -> String.valueOf(san.get(1)))
        .contains("10.1.2.3");
    assertThat(moved.caCertData()).isEqualTo(first.caCertData());

    Instant nearEnd = NOW.plus(GatewayCertificates.SERVING_LIFETIME).minus(Duration.ofDays(10));
    ServerIdentity renewed =
        GatewayCertificates.load(settings("https://10.1.2.3:9443", dir), fixed(nearEnd));
    assertThat(renewed.chain().getFirst()).isNotEqualTo(moved.chain().getFirst());
    assertThat(renewed.chain().getFirst().getNotAfter().toInstant())
        .isAfter(nearEnd.plus(Duration.ofDays(300)));
    assertThat(renewed.caCertData()).isEqualTo(first.caCertData());
  }

  @Test
  void aConfiguredCertificateAndCaAreUsedAsTheyAre() throws Exception {
    ServerIdentity made =
        GatewayCertificates.load(settings("https://gw.example", dir.resolve("made")), fixed(NOW));
    Path gateway = dir.resolve("made").resolve("gateway");
    GatewaySettings configured =
        GatewaySettings.builder(URI.create("https://gw.example"), dir.resolve("unused"))
            .tls(
                gateway.resolve("tls.crt"),
                gateway.resolve("tls.key"),
                Optional.of(gateway.resolve("ca.crt")))
            .build();

    ServerIdentity loaded = GatewayCertificates.load(configured, fixed(NOW));

    assertThat(loaded.chain()).containsExactly(made.chain().getFirst());
    assertThat(loaded.caCertData()).isEqualTo(made.caCertData());
    assertThat(Files.exists(dir.resolve("unused"))).isFalse();
    assertThat(loaded.toString()).contains("redacted");
  }

  @Test
  void aKeyFileWithoutAKeyIsRefusedClearly() throws Exception {
    GatewayCertificates.load(settings("https://gw.example", dir.resolve("made")), fixed(NOW));
    Path gateway = dir.resolve("made").resolve("gateway");
    GatewaySettings wrong =
        GatewaySettings.builder(URI.create("https://gw.example"), dir)
            .tls(gateway.resolve("tls.crt"), gateway.resolve("tls.crt"), Optional.empty())
            .build();

    assertThatThrownBy(() -> GatewayCertificates.load(wrong, fixed(NOW)))
        .hasMessageContaining("no unencrypted PEM private key");
  }

  private static Clock fixed(Instant at) {
    return Clock.fixed(at, ZoneOffset.UTC);
  }
}
