package dev.latchkey.core.rules;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Durations;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a kubeconfig may be handed out: to the requester, for active access with a ServiceAccount
 * token (straight to the API server, or through the gateway), and never in the grant's last ten
 * minutes, so no token outlives its grant.
 */
public final class CredentialRules {
  /** Kubernetes' shortest token lifetime: no token is minted when less than this is left. */
  public static final Duration MIN_TOKEN_LIFETIME = Duration.ofMinutes(10);

  /**
   * Time the hand-out itself may take (reaching the API server, which counts a token's lifetime
   * from when it mints it): a kubeconfig is handed out only while at least {@link
   * #MIN_TOKEN_LIFETIME} plus this is left, so the adapter never has to use Kubernetes' minimum,
   * which would outlive the grant.
   */
  public static final Duration CREDENTIAL_LEEWAY = Duration.ofSeconds(30);

  private CredentialRules() {}

  public static Optional<Refusal> refusal(AccessRequest r, Actor.SlackUser actor, Instant now) {
    if (!r.requester().is(actor)) {
      return Optional.of(Refusal.of(Refusal.Reason.NOT_REQUESTER));
    }
    if (r.kind() != RequestKind.ACCESS || r.state() != RequestState.ACTIVE) {
      return Optional.of(
          Refusal.of(Refusal.Reason.NOT_ACTIVE)
              .with(Fact.REQUEST, r.id().value())
              .with(Fact.STATE, r.state().name()));
    }
    if (!r.credentials().usesServiceAccount()) {
      return Optional.of(
          Refusal.of(Refusal.Reason.NOT_TOKEN_MODE).with(Fact.CLUSTER, r.cluster().name()));
    }
    Instant expiry = r.expiresAt().orElseThrow();
    if (Duration.between(now, expiry).compareTo(MIN_TOKEN_LIFETIME.plus(CREDENTIAL_LEEWAY)) < 0) {
      return Optional.of(
          Refusal.of(Refusal.Reason.TOO_CLOSE_TO_EXPIRY)
              .with(Fact.ENDS_AT, expiry.toString())
              .with(Fact.TOKEN_MINIMUM, Durations.format(MIN_TOKEN_LIFETIME))
              .with(Fact.LEEWAY, CREDENTIAL_LEEWAY.toSeconds() + "s")
              .with(Fact.REQUEST, r.id().value()));
    }
    return Optional.empty();
  }
}
