package dev.latchkey.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the audit chain's hash is taken over, and the hash itself. Security-critical: every version
 * of Latchkey must produce exactly these bytes for an event, or the chains it wrote stop verifying.
 *
 * <p>Canonical content: one JSON object, keys in sorted order, no whitespace, UTF-8: {@code action}
 * (the event name, e.g. {@code request.approved}), {@code actor} (audit form), {@code at} (ISO-8601
 * instant), {@code customer} (or null), {@code details} (an object of strings, sorted keys, exactly
 * the text stored in the {@code details} column), {@code request_id} (or null), {@code result}
 * ({@code ok}, {@code refused}, {@code failed}) and {@code seq}. The hash is the lowercase hex
 * SHA-256 of the previous event's hash followed by the canonical content; the first event's
 * previous hash is {@link #GENESIS}.
 *
 * <p>The stored details text is hashed as it is, never re-serialised: a row whose text was changed
 * in any way (whitespace, escapes, key order, a repeated key) no longer matches its hash. Latchkey
 * writes details in one form only ({@link #details(Map)}), which is also the form every earlier
 * version wrote and hashed, so hashes of existing rows are unchanged.
 *
 * <p>The forwarded line ({@link #line}) is the canonical content with {@code
 * "hash":"…","prev_hash":"…",} inserted after {@code details}: removing exactly that text from a
 * line gives back what was hashed.
 */
final class AuditCanonicalForm {
  static final String GENESIS = "0".repeat(64);

  private static final JsonFactory FACTORY = new JsonFactory();

  private AuditCanonicalForm() {}

  /** The columns of one event, as stored and as hashed; {@code details} is the stored JSON text. */
  record Content(
      long seq,
      String at,
      String actor,
      String customer,
      String requestId,
      String action,
      String result,
      String details) {

    static Content of(long seq, AuditEvent event) {
      return new Content(
          seq,
          event.at().toString(),
          event.actor().audit(),
          event.customer().map(CustomerId::value).orElse(null),
          event.requestId().map(RequestId::value).orElse(null),
          event.action().eventName(),
          AuditJson.result(event.result()),
          AuditCanonicalForm.details(event.details()));
    }

    /** The same event with other details text. */
    Content withDetails(String details) {
      return new Content(seq, at, actor, customer, requestId, action, result, details);
    }
  }

  static String canonical(Content c) {
    return json(c, null, null);
  }

  /**
   * The forwarded line: the canonical fields plus {@code hash} and {@code prev_hash}, keys sorted,
   * no newline.
   */
  static String line(Content content, String hash, String previousHash) {
    return json(content, hash, previousHash);
  }

  /**
   * SHA-256 over the exact UTF-8 bytes; text that has no UTF-8 form (an unpaired surrogate) is
   * refused, so two different texts can never hash alike.
   */
  static String hash(String previousHash, String canonical) {
    ByteBuffer bytes;
    try {
      bytes =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(previousHash + canonical));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "the content holds an unpaired surrogate, which has no UTF-8 form", e);
    }
    MessageDigest sha = sha256();
    sha.update(bytes);
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * How events written before the strict rule were hashed: an unpaired surrogate counted as {@code
   * ?}. Used only to verify those rows; for any other text it equals {@link #hash}.
   */
  static String legacyHash(String previousHash, String canonical) {
    return HexFormat.of()
        .formatHex(sha256().digest((previousHash + canonical).getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The one form details are stored and hashed in: a JSON object, keys in sorted order, no
   * whitespace, Jackson's default escaping. Every version of Latchkey has written exactly this
   * form.
   */
  static String details(Map<String, String> details) {
    ObjectNode node = JsonText.JSON.createObjectNode();
    new TreeMap<>(details).forEach(node::put);
    return JsonText.write(node);
  }

  /**
   * Why {@code json} is not details in the form {@link #details(Map)} writes, or empty when it is.
   * Stored details that hash right but are in another form were not written by Latchkey.
   */
  static Optional<String> detailsFormProblem(String json) {
    JsonNode node;
    try {
      node = JsonText.read(json);
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
    return JsonText.write(node).equals(json)
        ? Optional.empty()
        : Optional.of("details are not in canonical form");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
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
      g.writeFieldName("details");
      // Verbatim: the hash covers the stored text itself, not a re-serialisation of what it parses
      // to.
      g.writeRawValue(c.details());
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
