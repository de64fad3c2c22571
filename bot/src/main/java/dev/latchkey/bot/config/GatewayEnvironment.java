package dev.latchkey.bot.config;

import dev.latchkey.gateway.GatewaySettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The session gateway's settings from the environment ({@code LATCHKEY_GATEWAY_*}). They matter
 * only when a cluster uses gateway credentials; then the public URL is required, because handed-out
 * kubeconfigs name it.
 */
public final class GatewayEnvironment {
  static final String PUBLIC_URL = "LATCHKEY_GATEWAY_PUBLIC_URL";
  static final String PORT = "LATCHKEY_GATEWAY_PORT";
  static final String ADDRESS = "LATCHKEY_GATEWAY_ADDRESS";
  static final String TLS_CERT = "LATCHKEY_GATEWAY_TLS_CERT";
  static final String TLS_KEY = "LATCHKEY_GATEWAY_TLS_KEY";
  static final String TLS_CA = "LATCHKEY_GATEWAY_TLS_CA";
  static final String DIR = "LATCHKEY_GATEWAY_DIR";
  static final String AUDIENCE = "LATCHKEY_GATEWAY_AUDIENCE";
  static final String RECORDING_CAP_MB = "LATCHKEY_GATEWAY_RECORDING_CAP_MB";

  /** The value deploy/deployment.yaml ships, to be edited. */
  static final String SHIPPED_PUBLIC_URL = "https://latchkey-gateway.example.com:8443";

  /** Where a gateway without a configured certificate keeps the CA and certificate it makes. */
  public static final Path DEFAULT_DIR = Path.of("data", "gateway");

  private GatewayEnvironment() {}

  /**
   * Every problem of the gateway's variables; {@code needed} when a cluster uses gateway
   * credentials (the public URL is then required).
   */
  public static List<String> problems(Map<String, String> env, boolean needed) {
    List<String> problems = new ArrayList<>();
    Optional<String> url = value(env, PUBLIC_URL);
    if (url.isEmpty()) {
      if (needed) {
        problems.add(
            PUBLIC_URL
                + " is not set: a cluster uses `credentials: gateway`, and engineers' kubeconfigs"
                + " name the gateway's https:// address as they reach it (e.g."
                + " https://latchkey-gateway.example.com:8443)");
      }
    } else if (url.get().equals(SHIPPED_PUBLIC_URL)) {
      problems.add(
          PUBLIC_URL
              + " is `"
              + SHIPPED_PUBLIC_URL
              + "`, the placeholder of deploy/deployment.yaml: set the https:// address the"
              + " vendor's engineers reach the gateway at");
    } else {
      try {
        GatewaySettings.builder(new URI(url.get()), DEFAULT_DIR).build();
      } catch (URISyntaxException | IllegalArgumentException e) {
        problems.add(
            PUBLIC_URL + " must be https://host[:port] with no path (got " + url.get() + ")");
      }
    }
    port(env, problems);
    boolean cert = value(env, TLS_CERT).isPresent();
    boolean key = value(env, TLS_KEY).isPresent();
    if (cert != key) {
      problems.add(
          TLS_CERT
              + " and "
              + TLS_KEY
              + " go together (the gateway's certificate chain and its private key, PEM); set"
              + " both, or neither and Latchkey makes a CA and a certificate in "
              + value(env, DIR).orElse(DEFAULT_DIR.toString()));
    }
    if (value(env, TLS_CA).isPresent() && !cert) {
      problems.add(TLS_CA + " is the CA of " + TLS_CERT + ": set that too");
    }
    for (String file : List.of(TLS_CERT, TLS_KEY, TLS_CA)) {
      value(env, file)
          .filter(f -> !Files.isReadable(Path.of(f)))
          .ifPresent(f -> problems.add(file + " names " + f + ", which is not a readable file"));
    }
    value(env, RECORDING_CAP_MB)
        .filter(v -> !v.matches("[1-9][0-9]{0,5}"))
        .ifPresent(
            v ->
                problems.add(
                    RECORDING_CAP_MB + " must be a whole number of MB, 1 or more (got " + v + ")"));
    return problems;
  }

  /** The gateway's settings, when its public URL is set (check {@link #problems} first). */
  public static Optional<GatewaySettings> from(Map<String, String> env) {
    return value(env, PUBLIC_URL)
        .map(
            url -> {
              GatewaySettings.Builder b =
                  GatewaySettings.builder(
                      URI.create(url), Path.of(value(env, DIR).orElse(DEFAULT_DIR.toString())));
              b.port(port(env, new ArrayList<>()));
              value(env, ADDRESS).ifPresent(b::bindAddress);
              value(env, AUDIENCE).ifPresent(b::audience);
              if (value(env, TLS_CERT).isPresent()) {
                b.tls(
                    Path.of(value(env, TLS_CERT).orElseThrow()),
                    Path.of(value(env, TLS_KEY).orElseThrow()),
                    value(env, TLS_CA).map(Path::of));
              }
              value(env, RECORDING_CAP_MB)
                  .ifPresent(mb -> b.recordingCapBytes(Long.parseLong(mb) * 1024 * 1024));
              return b.build();
            });
  }

  private static int port(Map<String, String> env, List<String> problems) {
    return WholeNumbers.within(
        env, PORT, 1, 65535, GatewaySettings.DEFAULT_PORT, "a port number", problems);
  }

  private static Optional<String> value(Map<String, String> env, String key) {
    return Optional.ofNullable(env.get(key)).map(String::strip).filter(v -> !v.isEmpty());
  }
}
