package dev.latchkey.bot.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The values that stand in for the operator's own in the shipped examples ({@code
 * latchkey.example.yml} and {@code deploy/config.yaml}): syntactically valid, so without this they
 * would pass as real and fail later, far from the file (a workspace nobody is in, an API server
 * that does not exist). Each is named with the file it comes from.
 */
final class Placeholders {
  private static final String EXAMPLE = "latchkey.example.yml";
  private static final String DEPLOY = "deploy/config.yaml";

  private static final Map<String, String> VALUES =
      Map.ofEntries(
          Map.entry("T0123ABCD", EXAMPLE),
          Map.entry("C0456EFGH", EXAMPLE),
          Map.entry("S0789IJKL", EXAMPLE),
          Map.entry("https://k8s.acme.example:6443", EXAMPLE),
          Map.entry("/etc/latchkey/kubeconfig", EXAMPLE),
          Map.entry("/etc/latchkey/proxy-ca.pem", EXAMPLE),
          Map.entry("T0000000000", DEPLOY),
          Map.entry("C0000000000", DEPLOY),
          Map.entry("S0000000000", DEPLOY),
          Map.entry("https://kubernetes.example.com:6443", DEPLOY));

  private Placeholders() {}

  /**
   * Which shipped file {@code value} is the placeholder of, if it is one. A placeholder path that
   * exists is taken as the operator's own (the image mounts files under /etc/latchkey).
   */
  static Optional<String> origin(String value) {
    String file = VALUES.get(value.strip());
    if (file == null) {
      return Optional.empty();
    }
    if (value.startsWith("/") && Files.exists(Path.of(value))) {
      return Optional.empty();
    }
    return Optional.of(file);
  }
}
