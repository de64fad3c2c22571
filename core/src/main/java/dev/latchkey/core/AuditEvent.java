package dev.latchkey.core;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One audit record: when, who, about which request and customer, what, with which result, and details as plain
 * strings (sorted, so the canonical form that is hashed is stable). Details never hold a token or secret.
 *
 * <p>Detail keys and values must be {@linkplain #isStorable(String) storable}: no NUL or other control character
 * except newline and tab, and no unpaired surrogate. Each of those would make the record ambiguous or unstorable:
 * an unpaired surrogate has no UTF-8 form (so two different texts would hash alike), and PostgreSQL cannot store
 * NUL. Text that comes from outside (a Slack message, an API server's error) can be made storable with
 * {@link #storable(String)}.
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
  public static final char REPLACEMENT = '\uFFFD';

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
        // An absent value is an absent key: a null would read back differently from how it was hashed.
        throw new IllegalArgumentException("audit detail " + quoted(key) + " is null; leave the key out instead");
      }
      requireStorable("audit detail " + quoted(key), detail.getValue());
      sorted.put(key, detail.getValue());
    }
    details = Collections.unmodifiableSortedMap(sorted);
  }

  public static AuditEvent about(
      AccessRequest request, Instant at, Actor actor, AuditAction action, AuditResult result,
      Map<String, String> details) {
    return new AuditEvent(
        at, actor, Optional.of(request.cluster().customer()), Optional.of(request.id()), action, result, details);
  }

  /** Whether {@code text} may be stored in an audit event: see the class comment. */
  public static boolean isStorable(String text) {
    return firstUnstorable(text) < 0;
  }

  /** {@code text} with each character that may not be stored replaced by {@link #REPLACEMENT}. */
  public static String storable(String text) {
    if (isStorable(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); ) {
      int bad = unstorableAt(text, i);
      if (bad > 0) {
        out.append(REPLACEMENT);
        i += bad;
      } else {
        int cp = text.codePointAt(i);
        out.appendCodePoint(cp);
        i += Character.charCount(cp);
      }
    }
    return out.toString();
  }

  private static void requireStorable(String what, String text) {
    int index = firstUnstorable(text);
    if (index >= 0) {
      throw new IllegalArgumentException(String.format(
          "%s holds U+%04X at index %d; audit text may hold neither control characters other than newline and"
              + " tab nor unpaired surrogates", what, (int) text.charAt(index), index));
    }
  }

  /** The index of the first character that may not be stored, or -1. */
  private static int firstUnstorable(String text) {
    for (int i = 0; i < text.length(); ) {
      int bad = unstorableAt(text, i);
      if (bad > 0) {
        return i;
      }
      i += Character.charCount(text.codePointAt(i));
    }
    return -1;
  }

  /** 1 when the char at {@code i} may not be stored, else 0 (a valid surrogate pair is one code point). */
  private static int unstorableAt(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)) ? 0 : 1;
    }
    if (Character.isLowSurrogate(c)) {
      return 1;
    }
    return Character.isISOControl(c) && c != '\n' && c != '\t' ? 1 : 0;
  }

  private static String quoted(String key) {
    return "\"" + storable(key) + "\"";
  }
}
