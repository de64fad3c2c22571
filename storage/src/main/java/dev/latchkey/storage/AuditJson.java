package dev.latchkey.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.StoredAuditEvent;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Audit events as JSON and text outside the hash: the line an event is forwarded as, the names
 * actions and results are stored under, and stored details read back into an event. What is hashed
 * is {@link AuditCanonicalForm}'s.
 */
final class AuditJson {
  private static final Map<String, AuditAction> ACTIONS = new TreeMap<>();

  static {
    for (AuditAction action : AuditAction.values()) {
      ACTIONS.put(action.eventName(), action);
    }
  }

  private AuditJson() {}

  /** The forwarded line of a stored event (see {@link AuditCanonicalForm#line}). */
  static String line(StoredAuditEvent stored) {
    return AuditCanonicalForm.line(
        AuditCanonicalForm.Content.of(stored.sequence(), stored.event()),
        stored.hash(),
        stored.previousHash());
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

  /**
   * Details as stored, for reading back into an {@link AuditEvent}; only an object of strings is
   * accepted. Rows written by earlier versions may hold what an event no longer may: a JSON null
   * (read as an absent key) or a control character or unpaired surrogate (read as U+FFFD). The row
   * and its hash stay as they are; verification and forwarding use the stored text itself.
   */
  static SortedMap<String, String> details(String json) {
    JsonNode node = JsonText.read(json);
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
}
