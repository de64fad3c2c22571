package dev.latchkey.core.rules;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.Durations;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RoleDefinition;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Who may ask for more time and how much: the requester, on active access whose role is still
 * offered and enabled, never past the role's maximum from now (refused, never cut), one pending
 * extension at a time.
 */
public final class ExtensionRules {
  private ExtensionRules() {}

  public static Optional<Refusal> refusal(
      AccessRequest original,
      Actor.SlackUser actor,
      Duration more,
      Instant now,
      Optional<RoleDefinition> role,
      ClusterEnablement enablement,
      BooleanSupplier extensionPending) {
    if (!original.requester().is(actor)) {
      return Optional.of(Refusal.of(Refusal.Reason.NOT_REQUESTER));
    }
    if (original.kind() != RequestKind.ACCESS || original.state() != RequestState.ACTIVE) {
      Refusal notActive =
          Refusal.of(Refusal.Reason.NOT_ACTIVE)
              .with(Fact.REQUEST, original.id().value())
              .with(Fact.STATE, original.state().name());
      return Optional.of(
          original
              .extendsRequest()
              .map(extended -> notActive.with(Fact.EXTENDS, extended.value()))
              .orElse(notActive));
    }
    if (role.isEmpty()) {
      return Optional.of(Refusal.of(Refusal.Reason.UNKNOWN_ROLE).with(Fact.ROLE, original.role()));
    }
    Optional<Refusal> disabled =
        EnablementRules.refusal(enablement, original.cluster(), original.role());
    if (disabled.isPresent()) {
      return disabled;
    }
    if (more.isNegative() || more.isZero()) {
      return Optional.of(Refusal.of(Refusal.Reason.INVALID_DURATION));
    }
    Instant currentEnd = original.expiresAt().orElseThrow();
    Duration total = Duration.between(now, currentEnd.plus(more));
    if (total.compareTo(role.get().maxDuration()) > 0) {
      Duration allowed = role.get().maxDuration().minus(Duration.between(now, currentEnd));
      return Optional.of(
          Refusal.of(Refusal.Reason.DURATION_ABOVE_MAXIMUM)
              .with(Fact.ROLE, original.role())
              .with(Fact.MAXIMUM, Durations.format(role.get().maxDuration()))
              .with(
                  Fact.ALLOWED_MORE,
                  Durations.format(allowed.isNegative() ? Duration.ZERO : allowed)));
    }
    if (extensionPending.getAsBoolean()) {
      return Optional.of(
          Refusal.of(Refusal.Reason.EXTENSION_PENDING).with(Fact.REQUEST, original.id().value()));
    }
    return Optional.empty();
  }

  /**
   * How long an extension request may wait for its approval: the cluster's pending window, but
   * never past the end of the access it extends.
   */
  public static Duration pendingTtl(Duration clusterTtl, Instant now, Instant currentEnd) {
    Duration untilEnd = Duration.between(now, currentEnd);
    return clusterTtl.compareTo(untilEnd) < 0 ? clusterTtl : untilEnd;
  }
}
