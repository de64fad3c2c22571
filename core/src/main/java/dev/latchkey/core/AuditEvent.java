package dev.latchkey.core;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One audit record: when, who, about which request and customer, what, with which result, and
 * details as plain strings (sorted, so the canonical form that is hashed is stable). Details never
 * hold a token or secret.
 *
 * <p>Detail keys and values must be {@linkplain #isStorable(String) storable}: no NUL or other
 * control character except newline and tab, and no unpaired surrogate. Each of those would make the
 * record ambiguous or unstorable: an unpaired surrogate has no UTF-8 form (so two different texts
 * would hash alike), and PostgreSQL cannot store NUL. Text that comes from outside (a Slack
 * message, an API server's error) can be made storable with {@link #storable(String)}.
 */
public record AuditEvent(
    Instant at,
    Actor actor,
    Optional<CustomerId> customer,
    Optional<RequestId> requestId,
    AuditAction action,
    AuditResult result,
    Map<String, String> details) {

  /** What replaces a character that cannot be stored in an audit event. */
  public static final char REPLACEMENT = PlainText.REPLACEMENT;

  public AuditEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(customer, "customer");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(details, "details");
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> detail : details.entrySet()) {
      String key = detail.getKey();
      if (key == null || key.isEmpty()) {
        throw new IllegalArgumentException("an audit detail key is null or empty");
      }
      requireStorable("detail key " + quoted(key), key);
      if (detail.getValue() == null) {
        // An absent value is an absent key: a null would read back differently from how it was
        // hashed.
        throw new IllegalArgumentException(
            "audit detail " + quoted(key) + " is null; leave the key out instead");
      }
      requireStorable("audit detail " + quoted(key), detail.getValue());
      sorted.put(key, detail.getValue());
    }
    details = Collections.unmodifiableSortedMap(sorted);
  }

  public static AuditEvent about(
      AccessRequest request,
      Instant at,
      Actor actor,
      AuditAction action,
      AuditResult result,
      Map<String, String> details) {
    return new AuditEvent(
        at,
        actor,
        Optional.of(request.cluster().customer()),
        Optional.of(request.id()),
        action,
        result,
        details);
  }

  /** Whether {@code text} may be stored in an audit event: see the class comment. */
  public static boolean isStorable(String text) {
    return PlainText.isPlain(text);
  }

  /**
   * {@code text} with each character that may not be stored replaced by {@link #REPLACEMENT}, and
   * each invisible or direction-changing one written as its name ({@link PlainText#clean}).
   */
  public static String storable(String text) {
    return PlainText.clean(text);
  }

  private static void requireStorable(String what, String text) {
    int index = PlainText.firstNotPlain(text);
    if (index >= 0) {
      throw new IllegalArgumentException(
          String.format(
              "%s holds U+%04X at index %d; audit text may hold neither control characters other"
                  + " than newline and tab nor unpaired surrogates",
              what, (int) text.charAt(index), index));
    }
  }

  private static String quoted(String key) {
    return "\"" + storable(key) + "\"";
  }
}
