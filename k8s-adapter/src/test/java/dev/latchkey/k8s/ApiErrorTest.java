package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;

class ApiErrorTest {

  private static KubernetesClientException answered(int code, String message) {
    Status status = new StatusBuilder().withCode(code).withMessage(message).build();
    return new KubernetesClientException(
        "Failure executing: POST at: https://x/ ... long text", code, status);
  }

  @Test
  void decisionsOfTheServerAreRefusalsWithItsOwnMessage() {
    ApiError forbidden =
        ApiError.of(
            answered(
                403,
                "clusterrolebindings.rbac.authorization.k8s.io \"x\" is forbidden: user \"bot\" is"
                    + " attempting to grant RBAC permissions not currently held:\n"
                    + "{...}"));
    assertThat(forbidden.kind()).isEqualTo(ApiError.Kind.REFUSED);
    assertThat(forbidden.message())
        .startsWith("clusterrolebindings.rbac.authorization.k8s.io \"x\" is forbidden")
        .doesNotContain("\n")
        .doesNotContain("Failure executing");
    assertThat(ApiError.of(answered(422, "invalid")).kind()).isEqualTo(ApiError.Kind.REFUSED);
    assertThat(ApiError.of(answered(400, "bad")).kind()).isEqualTo(ApiError.Kind.REFUSED);
    assertThat(ApiError.of(answered(404, "namespaces \"nope\" not found")).kind())
        .isEqualTo(ApiError.Kind.NOT_FOUND);
    assertThat(ApiError.of(answered(409, "already exists")).kind()).isEqualTo(ApiError.Kind.EXISTS);
  }

  @Test
  void noDecisionIsUnavailable() {
    for (int code : new int[] {401, 408, 429, 500, 502, 503, 504}) {
      assertThat(ApiError.of(answered(code, "later")).kind())
          .as("HTTP %d", code)
          .isEqualTo(ApiError.Kind.UNAVAILABLE);
    }
  }

  @Test
  void aStatusWithoutMessageStillSaysWhatHappened() {
    var e = new KubernetesClientException("Failure executing ...", 503, null);
    assertThat(ApiError.of(e).message()).isEqualTo("the API server answered HTTP 503");
  }

  @Test
  void theServerStatusIsFoundUnderWrappers() {
    var wrapped =
        new KubernetesClientException(
            "Operation: [create] failed.", answered(403, "forbidden: no"), -1, null, null);
    assertThat(ApiError.of(wrapped))
        .isEqualTo(new ApiError(ApiError.Kind.REFUSED, 403, "forbidden: no"));
  }

  @Test
  void networkFailuresAreUnavailableAndShort() {
    assertThat(
            ApiError.of(
                new KubernetesClientException("x", new ConnectException("Connection refused"))))
        .isEqualTo(
            new ApiError(
                ApiError.Kind.UNAVAILABLE,
                0,
                "the API server could not be reached: connection refused"));
    assertThat(
            ApiError.of(
                new KubernetesClientException(
                    "x", new HttpConnectTimeoutException("HTTP connect"))))
        .extracting(ApiError::message)
        .isEqualTo("the API server could not be reached: connection timed out " + "after 5 s");
    assertThat(
            ApiError.of(
                new KubernetesClientException("x", new HttpTimeoutException("request timed out"))))
        .extracting(ApiError::message)
        .isEqualTo("the API server did not answer within 10 s");
    assertThat(
            ApiError.of(
                new KubernetesClientException("x", new IOException("stream reset\n at line"))))
        .extracting(ApiError::message)
        .isEqualTo("the API server could not be reached: stream reset at line");
    assertThat(ApiError.of(new IllegalStateException("client closed")).kind())
        .isEqualTo(ApiError.Kind.UNAVAILABLE);
  }
}
