package dev.latchkey.bot.config;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads latchkey.yml. Unknown keys, keys given twice and the shipped examples' placeholders are
 * errors (a misspelt or repeated key in an access-control file must not pass silently), every error
 * names the key, e.g. {@code customers[0].clusters[1].roles.admin.approvals}, and one pass reports
 * every problem of the file ({@link ConfigException#problems()}).
 */
public final class ConfigLoader {
  // A key given twice would otherwise let the last value win silently (`approvals: 2` then
  // `approvals: 1`): in an access-control file that is an error, like an unknown key.
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private ConfigLoader() {}

  public static LatchkeyConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "Configuration file "
              + file.toAbsolutePath()
              + " does not exist. Copy "
              + "latchkey.example.yml to latchkey.yml (or set LATCHKEY_CONFIG) and edit it.");
    } catch (IOException e) {
      throw new ConfigException(
          "Configuration file " + file.toAbsolutePath() + " cannot be read: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public static LatchkeyConfig parse(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonParseException e) {
      Optional<String> duplicate = duplicateKey(e);
      if (duplicate.isPresent()) {
        throw new ConfigException(
            source
                + ": "
                + duplicate.get()
                + " is given twice (line "
                + e.getLocation().getLineNr()
                + "); keep one: a second value must not silently replace the first.");
      }
      throw new ConfigException(source + " is not valid YAML: " + firstLine(e.getMessage()));
    } catch (IOException e) {
      throw new ConfigException(source + " is not valid YAML: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(source + " must be a YAML mapping with a `customers` list.");
    }
    YamlFields fields = new YamlFields(source);
    Optional<LatchkeyConfig> config;
    try {
      config = new ConfigReader(fields).config(root);
    } catch (IllegalArgumentException e) {
      fields.problems().add(source + ": " + e.getMessage());
      config = Optional.empty();
    }
    if (!fields.problems().isEmpty() || config.isEmpty()) {
      throw new ConfigException(
          fields.problems().isEmpty() ? List.of(source + " is not valid") : fields.problems());
    }
    return config.get();
  }

  /**
   * The path of a key Jackson's duplicate detection refused, e.g. {@code timers.reconcileInterval}.
   */
  private static Optional<String> duplicateKey(JsonParseException e) {
    String message = e.getOriginalMessage();
    if (message == null || !message.startsWith("Duplicate field '")) {
      return Optional.empty();
    }
    String key = message.substring("Duplicate field '".length(), message.lastIndexOf('\''));
    StringBuilder path = new StringBuilder();
    if (e.getProcessor() instanceof JsonParser parser) {
      List<String> parts = new ArrayList<>();
      // The context is the mapping that holds the key twice; its parents lead to the root.
      for (JsonStreamContext c = parser.getParsingContext().getParent();
          c != null && !c.inRoot();
          c = c.getParent()) {
        parts.addFirst(c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
      }
      parts.forEach(path::append);
    }
    path.append('.').append(key);
    return Optional.of(path.charAt(0) == '.' ? path.substring(1) : path.toString());
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
