package dev.latchkey.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.Scope;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How domain values are written to columns and read back, exactly: instants as epoch nanoseconds,
 * actors in their audit form, scope, approvals, roles and details as JSON text.
 */
final class Codec {
  /**
   * A key given twice is an error, never "the last one wins": stored text must read back one way
   * only.
   */
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private Codec() {}

  // ------------------------------------------------------------------ instants

  /** Nanoseconds since the epoch; covers the years 1677 to 2262. */
  static long nanos(Instant instant) {
    try {
      return Math.addExact(
          Math.multiplyExact(instant.getEpochSecond(), NANOS_PER_SECOND), instant.getNano());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "instant cannot be stored (outside 1677..2262): " + instant, e);
    }
  }

  static Optional<Long> nanos(Optional<Instant> instant) {
    return instant.map(Codec::nanos);
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, NANOS_PER_SECOND), Math.floorMod(nanos, NANOS_PER_SECOND));
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    return instant(rs.getLong(column));
  }

  static Optional<Instant> optionalInstant(ResultSet rs, String column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? Optional.empty() : Optional.of(instant(value));
  }

  static Optional<String> optionalText(ResultSet rs, String column) throws SQLException {
    return Optional.ofNullable(rs.getString(column));
  }

  // ------------------------------------------------------------------ actors

  static Actor actor(String audit) {
    if ("system".equals(audit)) {
      return Actor.SYSTEM;
    }
    if ("cluster".equals(audit)) {
      return Actor.CLUSTER;
    }
    if (audit != null && audit.startsWith("slack:")) {
      String ids = audit.substring("slack:".length());
      int slash = ids.indexOf('/');
      if (slash > 0) {
        return new Actor.SlackUser(ids.substring(0, slash), ids.substring(slash + 1));
      }
    }
    throw new IllegalArgumentException("not an actor: " + audit);
  }

  static Actor.SlackUser slackUser(String audit) {
    if (actor(audit) instanceof Actor.SlackUser user) {
      return user;
    }
    throw new IllegalArgumentException("not a Slack user: " + audit);
  }

  static Optional<Actor> optionalActor(ResultSet rs, String column) throws SQLException {
    return optionalText(rs, column).map(Codec::actor);
  }

  // ------------------------------------------------------------------ scope

  static String scope(Scope scope) {
    ObjectNode node = JSON.createObjectNode();
    switch (scope) {
      case Scope.Cluster c -> node.put("kind", "cluster");
      case Scope.Namespaces n -> {
        node.put("kind", "namespaces");
        ArrayNode names = node.putArray("names");
        n.names().forEach(names::add);
      }
    }
    return write(node);
  }

  static Scope scope(String json) {
    JsonNode node = read(json);
    return switch (node.path("kind").asText()) {
      case "cluster" -> Scope.CLUSTER;
      case "namespaces" -> new Scope.Namespaces(strings(node.path("names")));
      default -> throw new IllegalArgumentException("not a scope: " + json);
    };
  }

  // ------------------------------------------------------------------ approvals

  static String approvals(List<Approval> approvals) {
    ArrayNode array = JSON.createArrayNode();
    for (Approval a : approvals) {
      ObjectNode node = array.addObject();
      node.put("approver", a.approver().audit());
      node.put("at", a.at().toString());
      node.put("method", a.method().name());
    }
    return write(array);
  }

  static List<Approval> approvals(String json) {
    JsonNode array = read(json);
    if (!array.isArray()) {
      throw new IllegalArgumentException("approvals are not a JSON array");
    }
    List<Approval> approvals = new ArrayList<>();
    for (JsonNode node : array) {
      approvals.add(
          new Approval(
              slackUser(text(node, "approver")),
              Instant.parse(text(node, "at")),
              DecisionMethod.valueOf(text(node, "method"))));
    }
    return approvals;
  }

  // ------------------------------------------------------------------ roles and details

  static String roles(Set<String> roles) {
    ArrayNode array = JSON.createArrayNode();
    new TreeSet<>(roles).forEach(array::add);
    return write(array);
  }

  static Set<String> roles(String json) {
    return Set.copyOf(strings(read(json)));
  }

  /**
   * The one form details are stored and hashed in: a JSON object, keys in sorted order, no
   * whitespace, Jackson's default escaping. Every version of Latchkey has written exactly this
   * form.
   */
  static String details(Map<String, String> details) {
    ObjectNode node = JSON.createObjectNode();
    new TreeMap<>(details).forEach(node::put);
    return write(node);
  }

  /**
   * Details as stored, for reading back into an {@link AuditEvent}; only an object of strings is
   * accepted. Rows written by earlier versions may hold what an event no longer may: a JSON null
   * (read as an absent key) or a control character or unpaired surrogate (read as U+FFFD). The row
   * and its hash stay as they are; verification and forwarding use the stored text itself.
   */
  static SortedMap<String, String> details(String json) {
    JsonNode node = read(json);
    if (!node.isObject()) {
      throw new IllegalArgumentException("details are not a JSON object");
    }
    SortedMap<String, String> details = new TreeMap<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      JsonNode value = field.getValue();
      if (!value.isTextual() && !value.isNull()) {
        throw new IllegalArgumentException("detail " + field.getKey() + " is not a string");
      }
      String key = AuditEvent.storable(field.getKey());
      if (value.isTextual() && !key.isEmpty()) {
        details.put(key, AuditEvent.storable(value.textValue()));
      }
    }
    return details;
  }

  /**
   * Why {@code json} is not details in the form {@link #details(Map)} writes, or empty when it is.
   * Stored details that hash right but are in another form were not written by Latchkey.
   */
  static Optional<String> detailsFormProblem(String json) {
    JsonNode node;
    try {
      node = read(json);
    } catch (IllegalArgumentException e) {
      return Optional.of("details are " + e.getMessage());
    }
    if (!node.isObject()) {
      return Optional.of("details are not a JSON object");
    }
    String previous = null;
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      // JSON null: the form earlier versions wrote for a null value, still part of their hashed
      // rows.
      if (!field.getValue().isTextual() && !field.getValue().isNull()) {
        return Optional.of("detail " + field.getKey() + " is not a string");
      }
      if (previous != null && previous.compareTo(field.getKey()) >= 0) {
        return Optional.of("detail keys are not in sorted order");
      }
      previous = field.getKey();
    }
    return write(node).equals(json)
        ? Optional.empty()
        : Optional.of("details are not in canonical form");
  }

  /** Whether {@code json} parses as a JSON object. */
  static boolean isJsonObject(String json) {
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

  // ------------------------------------------------------------------ lists of text

  /** A list of strings as a JSON array, in order. */
  static String texts(List<String> texts) {
    ArrayNode array = JSON.createArrayNode();
    texts.forEach(array::add);
    return write(array);
  }

  static List<String> texts(String json) {
    return strings(read(json));
  }

  // ------------------------------------------------------------------ helpers

  private static List<String> strings(JsonNode array) {
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

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("missing text field " + field);
    }
    return value.textValue();
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
