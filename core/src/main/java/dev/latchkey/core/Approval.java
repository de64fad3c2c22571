package dev.latchkey.core;

import java.time.Instant;
import java.util.Objects;

/** One approver's yes. */
public record Approval(Actor.SlackUser approver, Instant at, DecisionMethod method) {
  public Approval {
    Objects.requireNonNull(approver, "approver");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(method, "method");
  }
}
