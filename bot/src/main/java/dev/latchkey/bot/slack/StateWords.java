package dev.latchkey.bot.slack;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import java.util.Arrays;
import java.util.Locale;

/**
 * The one set of words for where a request stands, wherever a person reads it: cards, lists,
 * answers and refusals all say "pending approval" or "revoked", never {@code PENDING} or {@code
 * REVOKED}.
 */
public final class StateWords {
  private StateWords() {}

  /** A state in a few words, e.g. "pending approval", "active", "timed out". */
  public static String of(RequestState state) {
    return switch (state) {
      case PENDING -> "pending approval";
      case APPROVED -> "approved, granting";
      case ACTIVE -> "active";
      case EXPIRED -> "expired";
      case REVOKED -> "revoked";
      case DENIED -> "denied";
      case TIMED_OUT -> "timed out";
      case CANCELLED -> "cancelled";
      case FAILED -> "failed";
    };
  }

  /** Where this request stands: as {@link #of(RequestState)}, and an applied extension as such. */
  public static String of(AccessRequest r) {
    if (r.state() == RequestState.APPROVED
        && r.kind() == RequestKind.EXTENSION
        && r.grantedAt().isPresent()) {
      return "extension applied";
    }
    if (r.state() == RequestState.APPROVED && r.kind() == RequestKind.EXTENSION) {
      return "approved, applying";
    }
    return of(r.state());
  }

  /**
   * A state the core names by its constant (a refusal's fact), in the same words; anything else
   * lower-cased, so no constant ever reaches a person.
   */
  public static String named(String constant) {
    return Arrays.stream(RequestState.values())
        .filter(s -> s.name().equals(constant))
        .findFirst()
        .map(StateWords::of)
        .orElse(constant.toLowerCase(Locale.ROOT).replace('_', ' '));
  }
}
