package dev.latchkey.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The canonical form of an audit event, its hash, and the JSON line it is forwarded as.
 *
 * <p>Canonical content: one JSON object, keys in sorted order, no whitespace, UTF-8: {@code action} (the event name,
 * e.g. {@code request.approved}), {@code actor} (audit form), {@code at} (ISO-8601 instant), {@code customer} (or
 * null), {@code details} (object of strings, sorted keys), {@code request_id} (or null), {@code result}
 * ({@code ok}, {@code refused}, {@code failed}) and {@code seq}. The hash is the lowercase hex SHA-256 of the
 * previous event's hash followed by the canonical content; the first event's previous hash is 64 zeros.
 */
final class AuditJson {
  static final String GENESIS = "0".repeat(64);

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final Map<String, AuditAction> ACTIONS = new TreeMap<>();

  static {
    for (AuditAction action : AuditAction.values()) {
      ACTIONS.put(action.eventName(), action);
    }
  }

  private AuditJson() {}

  /** The columns of one event, as stored and as hashed. */
  record Content(
      long seq,
      String at,
      String actor,
      String customer,
      String requestId,
      String action,
      String result,
      SortedMap<String, String> details) {

    static Content of(long seq, AuditEvent event) {
      return new Content(
          seq,
          event.at().toString(),
          event.actor().audit(),
          event.customer().map(CustomerId::value).orElse(null),
          event.requestId().map(RequestId::value).orElse(null),
          event.action().eventName(),
          AuditJson.result(event.result()),
          new TreeMap<>(event.details()));
    }
  }

  static String canonical(Content c) {
    return json(c, null, null);
  }

  /** The forwarded line: the canonical fields plus {@code hash} and {@code prev_hash}, keys sorted, no newline. */
  static String line(StoredAuditEvent stored) {
    return json(Content.of(stored.sequence(), stored.event()), stored.hash(), stored.previousHash());
  }

  static String hash(String previousHash, String canonical) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest((previousHash + canonical).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  static String result(AuditResult result) {
    return result.name().toLowerCase(Locale.ROOT);
  }

  static AuditResult result(String stored) {
    for (AuditResult result : AuditResult.values()) {
      if (result(result).equals(stored)) {
        return result;
      }
    }
    throw new IllegalArgumentException("not an audit result: " + stored);
  }

  static AuditAction action(String eventName) {
    AuditAction action = ACTIONS.get(eventName);
    if (action == null) {
      throw new IllegalArgumentException("not an audit action: " + eventName);
    }
    return action;
  }

  private static String json(Content c, String hash, String previousHash) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      // Keys in sorted order, written explicitly so the form never depends on a serializer setting.
      g.writeStartObject();
      g.writeStringField("action", c.action());
      g.writeStringField("actor", c.actor());
      g.writeStringField("at", c.at());
      g.writeStringField("customer", c.customer());
      g.writeObjectFieldStart("details");
      for (Map.Entry<String, String> detail : c.details().entrySet()) {
        g.writeStringField(detail.getKey(), detail.getValue());
      }
      g.writeEndObject();
      if (hash != null) {
        g.writeStringField("hash", hash);
        g.writeStringField("prev_hash", previousHash);
      }
      g.writeStringField("request_id", c.requestId());
      g.writeStringField("result", c.result());
      g.writeNumberField("seq", c.seq());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
