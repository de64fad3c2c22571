package dev.latchkey.gateway;

import dev.latchkey.k8s.GatewayTokens;

/**
 * Asks one cluster's API server about a token presented to the gateway (TokenReview for the
 * gateway's audience); {@link GatewayTokens#review} in production. Blocking: called off the I/O
 * threads.
 */
@FunctionalInterface
public interface TokenReviewer {
  GatewayTokens.Review review(String token, String audience);
}
