package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.ClusterAccess.CredentialResult;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Gateway tokens against fabric8's mock API server, with TokenRequest and TokenReview stubbed. */
@EnableKubernetesMockClient
class GatewayTokensTest {
  private static final String AUDIENCE = "latchkey-gateway";
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static KubernetesMockServer server;
  static KubernetesClient client;
  private ClusterConnection connection;
  private GatewayTokens tokens;

  @BeforeEach
  void setUp() {
    server.reset();
    connection =
        new ClusterConnection(
            ClusterConnections.client(ClusterConnections.tuned(client.getConfiguration())),
            "https://api.example:6443",
            Optional.empty());
    tokens = new GatewayTokens(connection, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void tearDown() {
    connection.close();
  }

  @Test
  void aGrantsTokenForTheGatewaysAudienceNamesItsGrantAndExpiry() {
    RequestId id = Grants.newId();
    AtomicReference<TokenReview> sent =
        stubReview(true, "system:serviceaccount:latchkey-grants:" + id, List.of(AUDIENCE));
    String token = jwt("{\"aud\":[\"" + AUDIENCE + "\"],\"exp\":1893459600,\"sub\":\"x\"}");

    GatewayTokens.Review review = tokens.review(token, AUDIENCE);

    assertThat(review)
        .isEqualTo(
            new GatewayTokens.Review.Authenticated(id, Instant.parse("2030-01-01T01:00:00Z")));
    assertThat(sent.get().getSpec().getToken()).isEqualTo(token);
    assertThat(sent.get().getSpec().getAudiences()).containsExactly(AUDIENCE);
  }

  @Test
  void aTokenTheServerDoesNotAuthenticateIsRejected() {
    stubReview(false, null, List.of());

    assertThat(tokens.review(jwt("{\"exp\":1893459600}"), AUDIENCE))
        .isInstanceOf(GatewayTokens.Review.Rejected.class);
  }

  @Test
  void aTokenForAnotherAudienceIsRejected() {
    RequestId id = Grants.newId();
    stubReview(true, "system:serviceaccount:latchkey-grants:" + id, List.of("https://kubernetes"));

    assertThat(tokens.review(jwt("{\"exp\":1893459600}"), AUDIENCE))
        .isEqualTo(new GatewayTokens.Review.Rejected("not a token for audience " + AUDIENCE));
  }

  @Test
  void aTokenOfAnyOtherIdentityIsRejected() {
    for (String user :
        List.of(
            "system:serviceaccount:latchkey:latchkey",
            "system:serviceaccount:default:ar-0123abcd",
            "system:serviceaccount:latchkey-grants:not-a-request",
            "admin")) {
      server.reset();
      stubReview(true, user, List.of(AUDIENCE));

      assertThat(tokens.review(jwt("{\"exp\":1893459600}"), AUDIENCE))
          .as(user)
          .isEqualTo(new GatewayTokens.Review.Rejected("not a grant's token"));
    }
  }

  @Test
  void aTokenWithoutExpiryIsRejected() {
    stubReview(true, "system:serviceaccount:latchkey-grants:" + Grants.newId(), List.of(AUDIENCE));
    assertThat(tokens.review(jwt("{\"sub\":\"x\"}"), AUDIENCE))
        .isEqualTo(new GatewayTokens.Review.Rejected("the token carries no expiry"));

    stubReview(true, "system:serviceaccount:latchkey-grants:" + Grants.newId(), List.of(AUDIENCE));
    assertThat(tokens.review("not-a-jwt", AUDIENCE))
        .isEqualTo(new GatewayTokens.Review.Rejected("the token carries no expiry"));
  }

  @Test
  void anUnreachableServerIsNoDecision() {
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/tokenreviews")
        .andReturn(503, "{}")
        .once();

    assertThat(tokens.review(jwt("{\"exp\":1}"), AUDIENCE))
        .isInstanceOf(GatewayTokens.Review.Unavailable.class);
  }

  @Test
  void mintingAsksForTheGatewaysAudienceUntilTheGrantsEnd() {
    RequestId id = Grants.newId();
    AtomicReference<TokenRequest> sent = stubTokenRequest(id, "gw.token.sig");

    GatewayTokens.Mint mint = tokens.mint(id, AUDIENCE, NOW.plus(Duration.ofHours(2)));

    assertThat(mint)
        .isEqualTo(
            new GatewayTokens.Mint.Minted("gw.token.sig", Instant.parse("2030-01-01T02:00:00Z")));
    assertThat(mint.toString()).doesNotContain("gw.token");
    assertThat(sent.get().getSpec().getAudiences()).containsExactly(AUDIENCE);
    assertThat(sent.get().getSpec().getExpirationSeconds())
        .isEqualTo(7200 - FabricClusterAccess.TOKEN_END_MARGIN.toSeconds());
  }

  @Test
  void aGatewayKubeconfigNamesTheGatewayItsCaAndTheToken() {
    RequestId id = Grants.newId();
    stubTokenRequest(id, "gw.token.sig");
    String server = "https://gateway.vendor.example:8443/clusters/acme/prod-eu";

    CredentialResult result =
        tokens.kubeconfig(
            Grants.CLUSTER,
            id,
            NOW.plus(Duration.ofHours(2)),
            server,
            Optional.of("Q0E="),
            AUDIENCE);

    Config parsed = Config.fromKubeconfig(((CredentialResult.Issued) result).kubeconfig().text());
    assertThat(parsed.getMasterUrl()).isEqualTo(server + "/");
    assertThat(parsed.getCaCertData()).isEqualTo("Q0E=");
    assertThat(parsed.getAutoOAuthToken()).isEqualTo("gw.token.sig");
  }

  private AtomicReference<TokenReview> stubReview(
      boolean authenticated, String user, List<String> audiences) {
    AtomicReference<TokenReview> sent = new AtomicReference<>();
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/tokenreviews")
        .andReply(
            201,
            request -> {
              TokenReview review =
                  SERIALIZATION.unmarshal(request.getUtf8Body(), TokenReview.class);
              sent.set(review);
              return new TokenReviewBuilder(review)
                  .withNewStatus()
                  .withAuthenticated(authenticated)
                  .withAudiences(audiences)
                  .withNewUser()
                  .withUsername(user)
                  .endUser()
                  .endStatus()
                  .build();
            })
        .once();
    return sent;
  }

  private AtomicReference<TokenRequest> stubTokenRequest(RequestId id, String token) {
    AtomicReference<TokenRequest> sent = new AtomicReference<>();
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/latchkey-grants/serviceaccounts/" + id + "/token")
        .andReply(
            201,
            request -> {
              TokenRequest asked =
                  SERIALIZATION.unmarshal(request.getUtf8Body(), TokenRequest.class);
              sent.set(asked);
              return new TokenRequestBuilder(asked)
                  .withNewStatus()
                  .withToken(token)
                  .withExpirationTimestamp("2030-01-01T02:00:00Z")
                  .endStatus()
                  .build();
            })
        .once();
    return sent;
  }

  private static String jwt(String payload) {
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    return encoder.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + encoder.encodeToString(payload.getBytes(StandardCharsets.UTF_8))
        + ".c2lnbmF0dXJl";
  }
}
