package dev.latchkey.k8s;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.ClusterAccess.CredentialResult;
import dev.latchkey.core.port.ClusterAccess.Kubeconfig;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gateway-mode tokens on one cluster: minted for a grant's ServiceAccount with the gateway's
 * audience (so the API server itself refuses them), and reviewed for that audience when an engineer
 * presents one to the gateway. Tokens are neither logged nor kept.
 */
public final class GatewayTokens {
  private static final Logger log = LoggerFactory.getLogger(GatewayTokens.class);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String GRANT_USER_PREFIX =
      "system:serviceaccount:" + GrantObjects.GRANTS_NAMESPACE + ":";

  private final ClusterConnection connection;
  private final Clock clock;

  public GatewayTokens(ClusterConnection connection, Clock clock) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** What the API server says about a token presented to the gateway. */
  public sealed interface Review {
    /** A grant's own token for the audience asked about, with the expiry it carries. */
    record Authenticated(RequestId id, Instant expiresAt) implements Review {
      public Authenticated {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(expiresAt, "expiresAt");
      }
    }

    /** Not a valid token of a grant for this audience (bad, expired, another audience, …). */
    record Rejected(String reason) implements Review {}

    /** The API server could not be asked (or refused Latchkey the review): no decision. */
    record Unavailable(String message) implements Review {}
  }

  /** A token minted for a grant, or why none could be. */
  public sealed interface Mint {
    record Minted(String token, Instant expiresAt) implements Mint {
      public Minted {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(expiresAt, "expiresAt");
      }

      @Override
      public String toString() {
        return "Minted[expires " + expiresAt + ", token redacted]";
      }
    }

    record Unavailable(String message) implements Mint {}
  }

  /**
   * Reviews {@code token} for {@code audience} (TokenReview): authenticated only when the API
   * server accepts it for that audience and it belongs to a grant's ServiceAccount.
   */
  public Review review(String token, String audience) {
    TokenReview request =
        new TokenReviewBuilder()
            .withNewSpec()
            .withToken(token)
            .withAudiences(audience)
            .endSpec()
            .build();
    TokenReview answer;
    try {
      answer = connection.client().authentication().v1().tokenReviews().create(request);
    } catch (RuntimeException e) {
      ApiError error = ApiError.of(e);
      log.warn("token review on {} failed: {}", connection, error.message());
      return new Review.Unavailable(error.message());
    }
    if (answer == null || answer.getStatus() == null) {
      return new Review.Unavailable("the API server returned no token review");
    }
    var status = answer.getStatus();
    if (!Boolean.TRUE.equals(status.getAuthenticated())) {
      return new Review.Rejected("not authenticated");
    }
    List<String> audiences = status.getAudiences();
    if (audiences == null || !audiences.contains(audience)) {
      return new Review.Rejected("not a token for audience " + audience);
    }
    String user = status.getUser() == null ? null : status.getUser().getUsername();
    Optional<RequestId> id = grantOf(user);
    if (id.isEmpty()) {
      return new Review.Rejected("not a grant's token");
    }
    Optional<Instant> expiry = expiry(token);
    if (expiry.isEmpty()) {
      return new Review.Rejected("the token carries no expiry");
    }
    return new Review.Authenticated(id.get(), expiry.get());
  }

  /**
   * Mints a token for grant {@code id}'s ServiceAccount with {@code audience}, lasting until {@code
   * notAfter} (a few seconds less; never less than Kubernetes' ten-minute minimum), as {@link
   * FabricClusterAccess#issueCredential} does for the API server's audience.
   */
  public Mint mint(RequestId id, String audience, Instant notAfter) {
    return GrantTokens.mint(
        connection.client(), clock, id, Optional.of(audience), notAfter, "gateway token for " + id);
  }

  /**
   * A kubeconfig for the gateway: its server is {@code gatewayServer} (the gateway's URL for this
   * cluster, {@code https://<gateway>/clusters/<customer>/<cluster>}), it trusts {@code caCertData}
   * (base64 PEM, the gateway's CA; empty for a publicly trusted certificate) and holds a token
   * minted by {@link #mint}.
   */
  public CredentialResult kubeconfig(
      ClusterRef cluster,
      RequestId id,
      Instant notAfter,
      String gatewayServer,
      Optional<String> caCertData,
      String audience) {
    return switch (mint(id, audience, notAfter)) {
      case Mint.Minted minted ->
          new CredentialResult.Issued(
              new Kubeconfig(
                  KubeconfigText.of(cluster, id, gatewayServer, caCertData, minted.token()),
                  minted.expiresAt()));
      case Mint.Unavailable unavailable -> new CredentialResult.Unavailable(unavailable.message());
    };
  }

  /** The grant a ServiceAccount user name belongs to, if it is one of Latchkey's grants. */
  static Optional<RequestId> grantOf(String user) {
    if (user == null || !user.startsWith(GRANT_USER_PREFIX)) {
      return Optional.empty();
    }
    String name = user.substring(GRANT_USER_PREFIX.length());
    try {
      return Optional.of(new RequestId(name));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * The {@code exp} claim of a JWT, read without checking its signature: only after the API server
   * has authenticated the token.
   */
  static Optional<Instant> expiry(String jwt) {
    int first = jwt.indexOf('.');
    int second = first < 0 ? -1 : jwt.indexOf('.', first + 1);
    if (second < 0) {
      return Optional.empty();
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(jwt.substring(first + 1, second));
      Map<?, ?> claims =
          SERIALIZATION.unmarshal(new String(payload, StandardCharsets.UTF_8), Map.class);
      return claims.get("exp") instanceof Number exp
          ? Optional.of(Instant.ofEpochSecond(exp.longValue()))
          : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
