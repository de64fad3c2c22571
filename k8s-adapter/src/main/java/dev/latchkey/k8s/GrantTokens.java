package dev.latchkey.k8s;

import dev.latchkey.core.RequestId;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TokenRequests for a grant's own ServiceAccount, for the API server's audience or the gateway's:
 * lasting until the grant's end less {@link FabricClusterAccess#TOKEN_END_MARGIN}, never less than
 * Kubernetes' {@linkplain FabricClusterAccess#MIN_TOKEN_LIFETIME minimum}. The token is neither
 * logged nor kept.
 */
final class GrantTokens {
  private static final Logger log = LoggerFactory.getLogger(GrantTokens.class);

  private GrantTokens() {}

  /**
   * Mints a token for grant {@code id}, with {@code audience} when given (the API server's own
   * otherwise); {@code what} names it in the log ("token for ar-… on acme/prod").
   */
  static GatewayTokens.Mint mint(
      KubernetesClient client,
      Clock clock,
      RequestId id,
      Optional<String> audience,
      Instant notAfter,
      String what) {
    long seconds =
        Math.max(
            FabricClusterAccess.MIN_TOKEN_LIFETIME.toSeconds(),
            Duration.between(clock.instant(), notAfter)
                .minus(FabricClusterAccess.TOKEN_END_MARGIN)
                .toSeconds());
    TokenRequestSpecBuilder spec = new TokenRequestSpecBuilder().withExpirationSeconds(seconds);
    audience.ifPresent(spec::withAudiences);
    TokenRequest request = new TokenRequestBuilder().withSpec(spec.build()).build();
    TokenRequest answer;
    try {
      answer =
          client
              .serviceAccounts()
              .inNamespace(GrantObjects.GRANTS_NAMESPACE)
              .withName(id.value())
              .tokenRequest(request);
    } catch (RuntimeException e) {
      ApiError error = ApiError.of(e);
      log.warn("no {}: {}", what, error.message());
      return new GatewayTokens.Mint.Unavailable(error.message());
    }
    if (answer == null
        || answer.getStatus() == null
        || answer.getStatus().getToken() == null
        || answer.getStatus().getExpirationTimestamp() == null) {
      return new GatewayTokens.Mint.Unavailable("the API server returned no token");
    }
    Instant expiresAt;
    try {
      expiresAt = Instant.parse(answer.getStatus().getExpirationTimestamp());
    } catch (RuntimeException e) {
      return new GatewayTokens.Mint.Unavailable(
          "the API server returned an unreadable token expiry");
    }
    log.info("{} minted, expires {}", what, expiresAt);
    return new GatewayTokens.Mint.Minted(answer.getStatus().getToken(), expiresAt);
  }
}
