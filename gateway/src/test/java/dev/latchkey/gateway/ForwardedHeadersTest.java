package dev.latchkey.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What crosses the gateway in either direction, header by header. */
class ForwardedHeadersTest {

  @Test
  void theClientsIdentityNeverCrossesAndLatchkeysIsSet() {
    HttpHeaders in =
        new DefaultHttpHeaders()
            .add("Authorization", "Bearer engineer-token")
            .add("impersonate-user", "admin")
            .add("IMPERSONATE-GROUP", "system:masters")
            .add("Impersonate-Uid", "1")
            .add("Impersonate-Extra-Scopes", "x")
            .add("X-Remote-User", "admin")
            .add("X-Remote-Group", "system:masters")
            .add("Proxy-Authorization", "Basic x")
            .add("Connection", "keep-alive, X-Hop")
            .add("X-Hop", "1")
            .add("Keep-Alive", "timeout=5")
            .add("TE", "trailers")
            .add("Expect", "100-continue")
            .add("Host", "gateway.example")
            .add("Accept", "application/json")
            .add("Transfer-Encoding", "chunked")
            .add("User-Agent", "kubectl/v1.32.4");

    HttpHeaders out =
        ForwardedHeaders.upstream(
            in,
            false,
            "10.0.0.1:6443",
            Optional.of("latchkey-token"),
            "system:serviceaccount:latchkey-grants:ar-0000000a");

    assertThat(out.names())
        .extracting(n -> n.toLowerCase(Locale.ROOT))
        .containsExactlyInAnyOrder(
            "accept",
            "transfer-encoding",
            "user-agent",
            "host",
            "authorization",
            "impersonate-user");
    assertThat(out.get("Authorization")).isEqualTo("Bearer latchkey-token");
    assertThat(out.getAll("Impersonate-User"))
        .containsExactly("system:serviceaccount:latchkey-grants:ar-0000000a");
    assertThat(out.get("Host")).isEqualTo("10.0.0.1:6443");
  }

  @Test
  void anUpgradeKeepsItsOwnHeadersButNoTokenInItsProtocols() {
    HttpHeaders in =
        new DefaultHttpHeaders()
            .add("Connection", "Upgrade")
            .add("Upgrade", "websocket")
            .add("Sec-WebSocket-Key", "a2V5")
            .add(
                "Sec-WebSocket-Protocol",
                "v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.c2VjcmV0,"
                    + " v4.channel.k8s.io");

    HttpHeaders out = ForwardedHeaders.upstream(in, true, "api:6443", Optional.empty(), "u");

    assertThat(out.get("Connection")).isEqualTo("upgrade");
    assertThat(out.get("Upgrade")).isEqualTo("websocket");
    assertThat(out.get("Sec-WebSocket-Key")).isEqualTo("a2V5");
    assertThat(out.get("Sec-WebSocket-Protocol")).isEqualTo("v5.channel.k8s.io, v4.channel.k8s.io");
    assertThat(out.contains("Authorization")).isFalse();
    assertThat(ForwardedHeaders.withoutBearerProtocols("base64url.bearer.authorization.k8s.io.x"))
        .isEmpty();
  }

  @Test
  void theAnswerLosesHopByHopHeadersExceptAnUpgradesOwn() {
    HttpHeaders answer =
        new DefaultHttpHeaders()
            .add("Connection", "keep-alive, X-Hop")
            .add("X-Hop", "1")
            .add("Keep-Alive", "timeout=5")
            .add("Content-Type", "application/json")
            .add("Content-Length", "2");
    ForwardedHeaders.towardsClient(answer, false);
    assertThat(answer.names())
        .extracting(n -> n.toLowerCase(Locale.ROOT))
        .containsExactlyInAnyOrder("content-type", "content-length");

    HttpHeaders switching =
        new DefaultHttpHeaders().add("Connection", "Upgrade").add("Upgrade", "SPDY/3.1");
    ForwardedHeaders.towardsClient(switching, true);
    assertThat(switching.get("Upgrade")).isEqualTo("SPDY/3.1");
    assertThat(switching.get("Connection")).isEqualTo("Upgrade");
  }

  @Test
  void onlyABearerTokenIsTaken() {
    assertThat(
            ForwardedHeaders.bearerToken(
                new DefaultHttpHeaders().add("Authorization", "bearer abc")))
        .hasValue("abc");
    assertThat(
            ForwardedHeaders.bearerToken(
                new DefaultHttpHeaders().add("Authorization", "Basic abc")))
        .isEmpty();
    assertThat(
            ForwardedHeaders.bearerToken(new DefaultHttpHeaders().add("Authorization", "Bearer ")))
        .isEmpty();
    assertThat(ForwardedHeaders.bearerToken(new DefaultHttpHeaders())).isEmpty();
  }
}
