package dev.latchkey.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.Scope;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How domain values are written to columns and read back, exactly: instants as epoch nanoseconds,
 * actors in their audit form, scope, approvals and roles as JSON text.
 */
final class Codec {
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
    ObjectNode node = JsonText.JSON.createObjectNode();
    switch (scope) {
      case Scope.Cluster c -> node.put("kind", "cluster");
      case Scope.Namespaces n -> {
        node.put("kind", "namespaces");
        ArrayNode names = node.putArray("names");
        n.names().forEach(names::add);
      }
    }
    return JsonText.write(node);
  }

  static Scope scope(String json) {
    JsonNode node = JsonText.read(json);
    return switch (node.path("kind").asText()) {
      case "cluster" -> Scope.CLUSTER;
      case "namespaces" -> new Scope.Namespaces(JsonText.strings(node.path("names")));
      default -> throw new IllegalArgumentException("not a scope: " + json);
    };
  }

  // ------------------------------------------------------------------ approvals

  static String approvals(List<Approval> approvals) {
    ArrayNode array = JsonText.JSON.createArrayNode();
    for (Approval a : approvals) {
      ObjectNode node = array.addObject();
      node.put("approver", a.approver().audit());
      node.put("at", a.at().toString());
      node.put("method", a.method().name());
    }
    return JsonText.write(array);
  }

  static List<Approval> approvals(String json) {
    JsonNode array = JsonText.read(json);
    if (!array.isArray()) {
      throw new IllegalArgumentException("approvals are not a JSON array");
    }
    List<Approval> approvals = new ArrayList<>();
    for (JsonNode node : array) {
      approvals.add(
          new Approval(
              slackUser(JsonText.text(node, "approver")),
              Instant.parse(JsonText.text(node, "at")),
              DecisionMethod.valueOf(JsonText.text(node, "method"))));
    }
    return approvals;
  }

  // ------------------------------------------------------------------ roles

  static String roles(Set<String> roles) {
    ArrayNode array = JsonText.JSON.createArrayNode();
    new TreeSet<>(roles).forEach(array::add);
    return JsonText.write(array);
  }

  static Set<String> roles(String json) {
    return Set.copyOf(JsonText.strings(JsonText.read(json)));
  }

  // ------------------------------------------------------------------ lists of text

  /** A list of strings as a JSON array, in order. */
  static String texts(List<String> texts) {
    ArrayNode array = JsonText.JSON.createArrayNode();
    texts.forEach(array::add);
    return JsonText.write(array);
  }

  static List<String> texts(String json) {
    return JsonText.strings(JsonText.read(json));
  }
}
