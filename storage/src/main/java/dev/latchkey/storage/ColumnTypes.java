package dev.latchkey.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.session.SessionId;
import java.lang.reflect.Type;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.argument.ArgumentFactory;
import org.jdbi.v3.core.argument.Arguments;
import org.jdbi.v3.core.argument.NullArgument;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.generic.GenericType;
import org.jdbi.v3.core.generic.GenericTypes;

/**
 * How domain values are stored, registered once on the {@link Jdbi} ({@link #register}): instants
 * as epoch nanoseconds, actors in their audit form, ids and durations as their text, scope,
 * approvals, roles and lists of text as JSON text. Statements bind the values themselves ({@code
 * bind("created_at", r.createdAt())}; an empty optional with {@link Sql#bindOptional}); row mappers
 * read them back by type ({@link Columns}). Every text goes through the String binding, so its NUL
 * check applies to all of them.
 */
final class ColumnTypes {
  /** Approvals, as a JSON array of objects. */
  static final GenericType<List<Approval>> APPROVALS = new GenericType<>() {};

  /** A set of role names, as a sorted JSON array. */
  static final GenericType<Set<String>> ROLES = new GenericType<>() {};

  /** A list of text (a command's arguments), as a JSON array in order. */
  static final GenericType<List<String>> TEXTS = new GenericType<>() {};

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private ColumnTypes() {}

  /** Registers every type on {@code jdbi}; later registrations win over Jdbi's own. */
  static void register(Jdbi jdbi) {
    jdbi.registerArgument(
        new AbstractArgumentFactory<Instant>(Types.BIGINT) {
          @Override
          protected Argument build(Instant value, ConfigRegistry config) {
            long nanos = nanos(value);
            return (position, statement, context) -> statement.setLong(position, nanos);
          }
        });
    jdbi.registerColumnMapper(
        Instant.class,
        (rs, column, ctx) -> {
          long nanos = rs.getLong(column);
          return rs.wasNull() ? null : instant(nanos);
        });
    text(jdbi, Actor.class, Actor::audit, ColumnTypes::actor);
    text(jdbi, RequestId.class, RequestId::value, RequestId::new);
    text(jdbi, CustomerId.class, CustomerId::value, CustomerId::new);
    text(jdbi, SessionId.class, SessionId::value, SessionId::new);
    text(jdbi, Duration.class, Duration::toString, Duration::parse);
    text(jdbi, Scope.class, ColumnTypes::scope, ColumnTypes::scope);
    text(jdbi, APPROVALS.getType(), ColumnTypes::approvals, ColumnTypes::approvals);
    text(jdbi, ROLES.getType(), ColumnTypes::roles, ColumnTypes::roles);
    text(jdbi, TEXTS.getType(), ColumnTypes::texts, ColumnTypes::texts);
  }

  /** A type stored as text: bound as the text {@code write} makes, read back with {@code read}. */
  private static <T> void text(
      Jdbi jdbi, Type type, Function<T, String> write, Function<String, T> read) {
    jdbi.registerArgument(new AsText<>(type, write));
    jdbi.registerColumnMapper(
        type,
        (rs, column, ctx) -> {
          String text = rs.getString(column);
          return text == null ? null : read.apply(text);
        });
  }

  /** Binds values of one type as text (NULL as VARCHAR), through the String binding. */
  private record AsText<T>(Type type, Function<T, String> write)
      implements ArgumentFactory.Preparable {
    @Override
    public Optional<Function<Object, Argument>> prepare(Type expected, ConfigRegistry config) {
      boolean matches =
          type instanceof Class<?> c
              ? c.isAssignableFrom(GenericTypes.getErasedType(expected))
              : type.equals(expected);
      if (!matches) {
        return Optional.empty();
      }
      Arguments arguments = config.get(Arguments.class);
      return Optional.of(
          value -> {
            if (value == null) {
              return new NullArgument(Types.VARCHAR);
            }
            @SuppressWarnings("unchecked")
            String text = write.apply((T) value);
            return arguments
                .findFor(String.class, text)
                .orElseThrow(() -> new IllegalStateException("no binding for text"));
          });
    }
  }

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

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, NANOS_PER_SECOND), Math.floorMod(nanos, NANOS_PER_SECOND));
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
