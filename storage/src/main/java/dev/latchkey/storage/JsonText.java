package dev.latchkey.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON text as the store reads and writes it: one way to read stored text back (a key given twice
 * or text after the value is an error, never "the last one wins"), Jackson's default form to write.
 */
final class JsonText {
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private JsonText() {}

  static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** Whether {@code json} parses as a JSON object. */
  static boolean isObject(String json) {
    try {
      return read(json).isObject();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** {@code text} as a JSON string literal. */
  static String quoted(String text) {
    return write(JSON.getNodeFactory().textNode(text));
  }

  /** The strings of a JSON array, in order; anything else is refused. */
  static List<String> strings(JsonNode array) {
    if (!array.isArray()) {
      throw new IllegalArgumentException("not a JSON array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : array) {
      if (!item.isTextual()) {
        throw new IllegalArgumentException("not a JSON array of strings");
      }
      out.add(item.textValue());
    }
    return out;
  }

  /** The text field {@code field} of an object; missing or not text is refused. */
  static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("missing text field " + field);
    }
    return value.textValue();
  }
}
