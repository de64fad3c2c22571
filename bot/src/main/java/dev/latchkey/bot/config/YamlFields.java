package dev.latchkey.bot.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.latchkey.core.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads the values of latchkey.yml's tree, naming the key of every problem, and collects the
 * problems so that one pass reports all of them: a reader {@link #attempt}s each part, and a part
 * that fails is recorded and skipped while the rest is still read.
 */
final class YamlFields {
  private final String source;
  private final List<String> problems = new ArrayList<>();

  YamlFields(String source) {
    this.source = source;
  }

  List<String> problems() {
    return problems;
  }

  int count() {
    return problems.size();
  }

  /** The part's value; empty (and the problem recorded) when reading it failed. */
  <T> Optional<T> attempt(Supplier<T> part) {
    try {
      return Optional.ofNullable(part.get());
    } catch (ConfigException e) {
      problems.addAll(e.problems());
      return Optional.empty();
    }
  }

  void attempt(Runnable part) {
    attempt(
        () -> {
          part.run();
          return Boolean.TRUE;
        });
  }

  ConfigException fail(String path, String problem) {
    return new ConfigException(source + ": " + path + " " + problem);
  }

  JsonNode object(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      throw fail(path, "is required");
    }
    if (!node.isObject()) {
      throw fail(path, "must be a mapping (key: value)");
    }
    return node;
  }

  /** Records every key of {@code node} that is not one of {@code keys}. */
  void allowOnly(JsonNode node, String path, String... keys) {
    Set<String> allowed = Set.of(keys);
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String key = names.next();
      if (!allowed.contains(key)) {
        problems.add(
            fail(
                    path.isEmpty() ? key : path + "." + key,
                    "is not a known key here; expected one of: " + String.join(", ", keys))
                .getMessage());
      }
    }
  }

  String requiredText(JsonNode node, String key, String path) {
    return optionalText(node, key, path).orElseThrow(() -> fail(join(path, key), "is required"));
  }

  Optional<String> optionalText(JsonNode node, String key, String path) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isValueNode()) {
      throw fail(join(path, key), "must be a single value");
    }
    String text = value.asText().strip();
    return text.isEmpty() ? Optional.empty() : Optional.of(text);
  }

  boolean bool(JsonNode node, String path) {
    if (!node.isBoolean()) {
      throw fail(path, "must be true or false");
    }
    return node.asBoolean();
  }

  Set<String> userIds(JsonNode node, String path) {
    Set<String> out = new LinkedHashSet<>();
    for (String id : names(node, path)) {
      out.add(slackId(id, path, "U", "W"));
    }
    return out;
  }

  List<String> names(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw fail(path, "must be a list");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      if (!item.isTextual() || item.asText().isBlank()) {
        throw fail(path + "[" + i + "]", "must be a text value");
      }
      out.add(item.asText().strip());
    }
    return out;
  }

  String slackId(String id, String path, String... prefixes) {
    for (String prefix : prefixes) {
      if (id.startsWith(prefix) && id.matches("[A-Z0-9]{2,32}")) {
        return notPlaceholder(id, path);
      }
    }
    throw fail(
        path,
        "`"
            + id
            + "` is not a Slack id starting with "
            + String.join(" or ", prefixes)
            + " (copy it from the Slack profile or channel details)");
  }

  /** {@code value}, unless it is a shipped example's placeholder, which must be edited. */
  String notPlaceholder(String value, String path) {
    Optional<String> origin = Placeholders.origin(value);
    if (origin.isPresent()) {
      throw fail(
          path,
          "is `"
              + value
              + "`, the placeholder of "
              + origin.get()
              + ": replace it with your own value (see README.md, \"Configuration\")");
    }
    return value;
  }

  Duration duration(String text, String path) {
    return Durations.parse(text)
        .orElseThrow(() -> fail(path, "`" + text + "` is not a duration like 30m, 2h or 1h30m"));
  }

  Duration seconds(String text, String path) {
    if (text.matches("\\d{1,5}s")) {
      long s = Long.parseLong(text.substring(0, text.length() - 1));
      if (s > 0) {
        return Duration.ofSeconds(s);
      }
    }
    return Durations.parse(text)
        .orElseThrow(() -> fail(path, "`" + text + "` is not a duration like 60s, 5m or 1h"));
  }

  /** A PEM file of certificates, base64-encoded as a kubeconfig's certificate-authority-data. */
  String certificates(Path file, String path) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.ISO_8859_1); // bundles may carry UTF-8 comments
    } catch (IOException | RuntimeException e) {
      throw fail(path, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
      throw fail(path, file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return Base64.getEncoder()
        .encodeToString(pem.strip().concat("\n").getBytes(StandardCharsets.ISO_8859_1));
  }

  <T> T guard(String path, Supplier<T> make) {
    try {
      return make.get();
    } catch (IllegalArgumentException e) {
      throw fail(path, e.getMessage());
    }
  }

  static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}
