package dev.latchkey.core;

/** Where a request is in its life cycle (see DESIGN.md). */
public enum RequestState {
  PENDING,
  APPROVED,
  ACTIVE,
  EXPIRED,
  REVOKED,
  DENIED,
  TIMED_OUT,
  CANCELLED,
  FAILED;

  /** A final state never changes again; only clean-up of what was granted may still follow it. */
  public boolean isFinal() {
    return switch (this) {
      case PENDING, APPROVED, ACTIVE -> false;
      default -> true;
    };
  }

  /** States in which access may exist or is about to (a grant can be in progress). */
  public boolean holdsAccess() {
    return this == APPROVED || this == ACTIVE;
  }
}
