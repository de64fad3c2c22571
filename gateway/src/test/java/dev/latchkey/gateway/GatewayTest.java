package dev.latchkey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.k8s.ApiServerUpstream;
import dev.latchkey.k8s.GatewayTokens;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway against a stand-in API server on loopback: forwarding as the grant, what it refuses
 * before forwarding, streams and their records, and cutting.
 */
class GatewayTest {
  @TempDir Path dir;
  private FakeApiServer api;
  private GatewayRig rig;
  private SessionGateway gateway;
  private final Map<String, GatewayTokens.Review> reviews = new ConcurrentHashMap<>();
  private final AtomicInteger reviewCalls = new AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    api = new FakeApiServer(dir.resolve("api"));
    rig = new GatewayRig();
    TokenReviewer reviewer =
        (token, audience) -> {
          reviewCalls.incrementAndGet();
          return audience.equals("latchkey-gateway-test")
              ? reviews.getOrDefault(token, new GatewayTokens.Review.Rejected("unknown"))
              : new GatewayTokens.Review.Rejected("audience");
        };
    ApiServerUpstream upstream = ApiServerUpstream.of(api.config());
    gateway =
        rig.start(
            GatewayRig.settings(dir.resolve("gateway")).maxRequestBodyBytes(64 * 1024).build(),
            List.of(
                new GatewayCluster(rig.main, upstream, reviewer),
                new GatewayCluster(rig.other, upstream, reviewer)));
  }

  @AfterEach
  void tearDown() {
    rig.close();
    api.close();
  }

  private String tokenFor(AccessRequest grant) {
    String token = "token-" + grant.id();
    reviews.put(
        token,
        new GatewayTokens.Review.Authenticated(
            grant.id(), rig.rig.clock.instant().plusSeconds(600)));
    return token;
  }

  private RawClient client() throws Exception {
    return new RawClient(gateway.port(), gateway.caCertData().orElseThrow());
  }

  private List<ActivityLine> linesOf(RequestId id) {
    return rig.sessions.activity(id, 100);
  }

  // ---------------------------------------------------------------- forwarding

  @Test
  void aRequestGoesUpstreamAsTheGrantsServiceAccountAndNothingOfTheClientsIdentity()
      throws Exception {
    AccessRequest grant = rig.active(rig.main, "readonly", List.of());
    try (RawClient client = client()) {
      assertThat(client.negotiatedProtocol()).isEqualTo("http/1.1");
      RawClient.Response response =
          client
              .get(
                  rig.url(rig.main) + "/api/v1/namespaces/default/pods?limit=5",
                  tokenFor(grant),
                  "Impersonate-User: admin",
                  "Impersonate-Group: system:masters",
                  "Impersonate-Extra-Scopes: all",
                  "X-Remote-User: admin",
                  "Connection: keep-alive, X-Secret-Hop",
                  "X-Secret-Hop: 1")
              .response();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).contains("/api/v1/namespaces/default/pods?limit=5");
    }
    FakeApiServer.Seen seen = api.seen.getFirst();
    assertThat(seen.headers().getAll("Impersonate-User"))
        .containsExactly("system:serviceaccount:latchkey-grants:" + grant.id());
    assertThat(seen.headers().get("Authorization")).isEqualTo("Bearer " + FakeApiServer.OWN_TOKEN);
    assertThat(seen.headers().names())
        .noneMatch(n -> n.equalsIgnoreCase("Impersonate-Group"))
        .noneMatch(n -> n.toLowerCase().startsWith("impersonate-extra"))
        .noneMatch(n -> n.equalsIgnoreCase("X-Remote-User"))
        .noneMatch(n -> n.equalsIgnoreCase("X-Secret-Hop"));
    assertThat(seen.headers().get("Host")).isEqualTo("127.0.0.1:" + api.port());
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(linesOf(grant.id()))
                    .singleElement()
                    .satisfies(
                        line -> {
                          assertThat(line.verb()).isEqualTo("list");
                          assertThat(line.resource()).isEqualTo("pods");
                          assertThat(line.namespace()).hasValue("default");
                          assertThat(line.status()).isEqualTo(200);
                          assertThat(line.refusal()).isEmpty();
                        }));
  }

  @Test
  void aKeptAliveConnectionServesRequestAfterRequestOverOneUpstreamConnection() throws Exception {
    AccessRequest grant = rig.active(rig.main, "readonly", List.of());
    String token = tokenFor(grant);
    try (RawClient client = client()) {
      for (int i = 0; i < 3; i++) {
        assertThat(client.get(rig.url(rig.main) + "/api/v1/pods", token).response().status())
            .isEqualTo(200);
      }
    }
    assertThat(api.seen).hasSize(3);
    assertThat(api.connections).hasValue(1);
    assertThat(reviewCalls).as("reviews are reused for a few seconds").hasValue(1);
  }

  @Test
  void aGrantWhoseStandingIsInMemoryIsDecidedWithoutAReadAndItsEndIsSeenAtOnce() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    String token = tokenFor(grant);
    int reads;
    try (RawClient client = client()) {
      assertThat(client.get(rig.url(rig.main) + "/api/v1/pods", token).response().status())
          .isEqualTo(200);
      reads = rig.rig.requests.standingReads();
      rig.rig.requests.answerStandingsInMemory();
      for (int i = 0; i < 2; i++) {
        assertThat(client.get(rig.url(rig.main) + "/api/v1/pods", token).response().status())
            .isEqualTo(200);
      }
      RawClient.Response guarded =
          client.get(rig.url(rig.main) + "/api/v1/namespaces/latchkey/pods", token).response();
      assertThat(guarded.status()).isEqualTo(403);
      assertThat(guarded.body()).contains("is protected");
    }
    assertThat(reads).as("the first request read the records").isEqualTo(1);
    assertThat(rig.rig.requests.standingReads()).as("the others, memory").isEqualTo(reads);
    assertThat(api.seen).hasSize(3);

    rig.revoke(grant);
    try (RawClient client = client()) {
      RawClient.Response refused = client.get(rig.url(rig.main) + "/api/v1/pods", token).response();
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.body()).contains("access " + grant.id() + " ended: revoked");
    }
    assertThat(api.seen).hasSize(3);
  }

  @Test
  void aRequestBodyStreamsUpstreamWhole() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    byte[] chunk = "x".repeat(8000).getBytes();
    try (RawClient client = client()) {
      client.send(
          "POST "
              + rig.url(rig.main)
              + "/api/v1/namespaces/default/pods/p/eviction HTTP/1.1\r\nHost: g\r\n"
              + "Authorization: Bearer "
              + tokenFor(grant)
              + "\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 5; i++) {
        client.send(Integer.toHexString(chunk.length) + "\r\n").send(chunk).send("\r\n");
      }
      client.send("0\r\n\r\n");

      RawClient.Response response = client.response();
      assertThat(response.status()).isEqualTo(201);
      assertThat(response.body()).contains("\"bodyBytes\":40000");
    }
  }

  @Test
  void aWatchStreamsEventsAsTheyCome() throws Exception {
    AccessRequest grant = rig.active(rig.main, "readonly", List.of());
    try (RawClient client = client()) {
      client.get(rig.url(rig.main) + "/api/v1/namespaces/default/pods?watch=true", tokenFor(grant));
      assertThat(client.head().status()).isEqualTo(200);
      assertThat(client.readUntil("{\"type\":\"ADDED\"}\n")).isNotEmpty();
      await().until(() -> api.watches.size() == 1);

      api.pushEvent("{\"type\":\"MODIFIED\"}");

      assertThat(client.readUntil("{\"type\":\"MODIFIED\"}\n")).isNotEmpty();
    }
  }

  // ---------------------------------------------------------------- refused before forwarding

  @Test
  void nothingAddressedToAProtectedNamespacePassesWhateverTheRole() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    String token = tokenFor(grant);
    for (String path :
        List.of(
            "/api/v1/namespaces/latchkey/pods/latchkey-0/log?follow=true",
            "/api/v1/namespaces/latchkey-grants/serviceaccounts",
            "/api/v1/namespaces/latchkey",
            "/api/v1/watch/namespaces/latchkey/pods",
            "/apis/apps/v1/namespaces/latchkey/deployments/latchkey/scale")) {
      try (RawClient client = client()) {
        RawClient.Response response = client.get(rig.url(rig.main) + path, token).response();

        assertThat(response.status()).as(path).isEqualTo(403);
        assertThat(response.body())
            .contains("\"kind\":\"Status\"", "\"reason\":\"Forbidden\"", "is protected");
      }
    }
    assertThat(api.seen).isEmpty();
    await().atMost(Duration.ofSeconds(2)).until(() -> linesOf(grant.id()).size() == 5);
    assertThat(linesOf(grant.id()))
        .allSatisfy(
            line -> assertThat(line.refusal()).hasValueSatisfying(r -> r.contains("protected")));

    try (RawClient client = client()) {
      assertThat(client.get(rig.url(rig.main) + "/api/v1/pods", token).response().status())
          .as("a cluster-wide list passes; RBAC decides")
          .isEqualTo(200);
    }
  }

  @Test
  void hostileInputGetsAClearStatusAndNothingIsForwarded() throws Exception {
    AccessRequest grant = rig.active(rig.main, "readonly", List.of());
    AccessRequest elsewhere = rig.active(rig.other, "readonly", List.of());
    String pods = rig.url(rig.main) + "/api/v1/namespaces/default/pods";
    reviews.put(
        "expired-token",
        new GatewayTokens.Review.Authenticated(
            grant.id(), rig.rig.clock.instant().minusSeconds(1)));

    assertThat(status(c -> c.get(pods, null))).as("no token").isEqualTo(401);
    assertThat(status(c -> c.get(pods, "bad-token"))).as("bad token").isEqualTo(401);
    assertThat(status(c -> c.get(pods, "expired-token"))).as("expired token").isEqualTo(401);
    assertThat(status(c -> c.get(pods, tokenFor(elsewhere)))).as("other cluster").isEqualTo(403);
    assertThat(status(c -> c.get("/api/v1/pods", tokenFor(grant)))).as("not ours").isEqualTo(404);
    assertThat(status(c -> c.get("/clusters/it/nope/api/v1/pods", tokenFor(grant))))
        .as("unknown cluster")
        .isEqualTo(404);
    assertThat(
            status(
                c -> c.get(rig.url(rig.main) + "/api/v1/namespaces/a%2Fb/pods", tokenFor(grant))))
        .as("encoded slash")
        .isEqualTo(400);
    assertThat(status(c -> c.send("GARBAGE\r\n\r\n"))).as("malformed").isEqualTo(400);
    assertThat(status(c -> c.get(pods, tokenFor(grant), "X-Big: " + "a".repeat(40_000))))
        .as("oversized headers")
        .isEqualTo(431);
    assertThat(
            status(
                c ->
                    c.get(
                        rig.url(rig.main) + "/api/v1/namespaces/default/pods/p/exec?command=sh",
                        tokenFor(grant),
                        "Connection: Upgrade",
                        "Upgrade: h2c")))
        .as("unknown upgrade")
        .isEqualTo(400);
    assertThat(
            status(
                c ->
                    c.send(
                        "POST "
                            + pods
                            + " HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer "
                            + tokenFor(grant)
                            + "\r\nContent-Length: 100000000\r\n\r\n")))
        .as("huge body")
        .isEqualTo(413);
    try (RawClient slow = client()) {
      slow.send("GET " + pods + " HTTP/1.1\r\nHost: g\r\n");
      long start = System.nanoTime();
      assertThat(slow.readToEnd()).startsWith("HTTP/1.1 408");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    assertThat(api.seen).as("nothing forwarded").isEmpty();
    assertThat(status(c -> c.get(pods, tokenFor(grant)))).as("still healthy").isEqualTo(200);
  }

  @Test
  void aChunkedBodyBeyondTheLimitIsCut() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    try (RawClient client = client()) {
      client.send(
          "POST "
              + rig.url(rig.main)
              + "/api/v1/namespaces/default/pods HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer "
              + tokenFor(grant)
              + "\r\nTransfer-Encoding: chunked\r\n\r\n");
      byte[] chunk = "y".repeat(16_000).getBytes();
      try {
        for (int i = 0; i < 8; i++) {
          client.send(Integer.toHexString(chunk.length) + "\r\n").send(chunk).send("\r\n");
        }
      } catch (IOException closed) {
        // The gateway may close before everything is written.
      }
      assertThat(client.readToEnd()).startsWith("HTTP/1.1 413");
    }
  }

  private interface Exchange {
    void play(RawClient client) throws Exception;
  }

  private int status(Exchange exchange) throws Exception {
    try (RawClient client = client()) {
      exchange.play(client);
      return client.response().status();
    }
  }

  // ---------------------------------------------------------------- streams

  private static String upgrade(String path, String token, String protocol) {
    String lines =
        protocol.equals("websocket")
            ? "Upgrade: websocket\r\n"
                + "Sec-WebSocket-Key: a2V5\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: v5.channel.k8s.io,"
                + " base64url.bearer.authorization.k8s.io.c2VjcmV0\r\n"
            : "Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n";
    return (protocol.equals("websocket") ? "GET " : "POST ")
        + path
        + " HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer "
        + token
        + "\r\nConnection: Upgrade\r\n"
        + lines
        + "\r\n";
  }

  @Test
  void anExecStreamIsRecordedAsASessionAndRelayedBothWays() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    String exec =
        rig.url(rig.main)
            + "/api/v1/namespaces/shop/pods/web-1/exec?command=sh&container=main&stdin=true&tty=true";
    try (RawClient client = client()) {
      client.send(upgrade(exec, tokenFor(grant), "SPDY/3.1"));
      RawClient.Response switched = client.head();
      assertThat(switched.status()).isEqualTo(101);
      assertThat(switched.header("X-Stream-Protocol-Version")).isEqualTo("v4.channel.k8s.io");
      assertThat(client.readUntil("ready\n")).isEqualTo("ready\n");

      client.send("echo hi\n");
      assertThat(client.readUntil("echo hi\n")).isEqualTo("echo hi\n");
    }

    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> rig.sessions.sessions(grant.id()).stream().allMatch(s -> s.end().isPresent()));
    SessionStore.SessionRecord record = rig.sessions.sessions(grant.id()).getFirst();
    assertThat(record.session().command()).containsExactly("sh");
    assertThat(record.session().tty()).isTrue();
    assertThat(record.session().container()).hasValue("main");
    SessionEnd end = record.end().orElseThrow();
    assertThat(end.cause()).isEqualTo(SessionEnd.Cause.CLIENT_CLOSED);
    assertThat(end.bytesFromClient()).isEqualTo(8);
    assertThat(end.bytesFromServer()).isEqualTo(14);
    CollectingTaps.Tap tap = rig.taps.opened.getFirst();
    assertThat(tap.transport).isEqualTo("SPDY/3.1");
    assertThat(tap.subprotocol).isEqualTo("v4.channel.k8s.io");
    assertThat(tap.clientText()).isEqualTo("echo hi\n");
    assertThat(tap.serverText()).isEqualTo("ready\necho hi\n");
    assertThat(end.recordingSha256()).isPresent();
    assertThat(rig.rig.audit.actions(grant.id()))
        .contains(AuditAction.SESSION_STARTED, AuditAction.SESSION_ENDED);
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(linesOf(grant.id()))
                    .singleElement()
                    .satisfies(
                        line -> {
                          assertThat(line.status()).isEqualTo(101);
                          assertThat(line.session()).hasValue(record.session().id());
                          assertThat(line.command()).containsExactly("sh");
                        }));
  }

  @Test
  void aWebSocketStreamPassesWithoutBearerTokensSmuggledInItsProtocols() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    try (RawClient client = client()) {
      client.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/web-1/exec?command=ls",
              tokenFor(grant),
              "websocket"));
      RawClient.Response switched = client.head();
      assertThat(switched.status()).isEqualTo(101);
      assertThat(switched.header("Sec-WebSocket-Protocol")).isEqualTo("v5.channel.k8s.io");
      assertThat(client.readUntil("ready\n")).isEqualTo("ready\n");
    }
    assertThat(api.seen.getFirst().headers().get("Sec-WebSocket-Protocol"))
        .isEqualTo("v5.channel.k8s.io");
    assertThat(rig.taps.opened.getFirst().transport).isEqualTo("websocket");
  }

  @Test
  void aStreamsBytesWaitForTheirRecordingToBeStoredButTheEventLoopsDoNot() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    String token = tokenFor(grant);
    CountDownLatch gate = new CountDownLatch(1);
    rig.taps.storeGate = gate;
    try (RawClient client = client()) {
      client.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/web-1/exec?command=sh",
              token,
              "SPDY/3.1"));
      assertThat(client.head().status()).isEqualTo(101);
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> rig.taps.opened.getFirst().serverText().equals("ready\n"));

      // Two more connections: one shares the stream's event loop (the gateway's test settings
      // have two), and both are served while the stream's store is stuck.
      for (int i = 0; i < 2; i++) {
        assertThat(status(c -> c.get(rig.url(rig.main) + "/api/v1/namespaces/shop/pods", token)))
            .isEqualTo(200);
      }
      assertThat(client.quietFor(300)).as("nothing passes before it is stored").isTrue();

      gate.countDown();
      assertThat(client.readUntil("ready\n")).endsWith("ready\n");
      client.send("echo hi\n");
      assertThat(client.readUntil("echo hi\n")).endsWith("echo hi\n");
    }
  }

  @Test
  void whatTheServerSentLastStillPassesOnceStoredWhenItEndsTheStream() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    CountDownLatch gate = new CountDownLatch(1);
    rig.taps.storeGate = gate;
    try (RawClient client = client()) {
      client.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/oneshot/exec?command=sh",
              tokenFor(grant),
              "SPDY/3.1"));
      assertThat(client.head().status()).isEqualTo(101);
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> rig.taps.opened.getFirst().serverText().equals("ready\nbye\n"));
      gate.countDown();

      assertThat(client.readToEnd()).isEqualTo("ready\nbye\n");
    }
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(rig.sessions.sessions(grant.id()).getFirst().end())
                    .hasValueSatisfying(
                        e -> {
                          assertThat(e.cause()).isEqualTo(SessionEnd.Cause.SERVER_CLOSED);
                          assertThat(e.bytesFromServer()).isEqualTo(10);
                        }));
  }

  @Test
  void aStreamTheServerEndsWhileItsStartIsBeingRecordedStillReachesTheClient() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    CountDownLatch gate = new CountDownLatch(1);
    rig.taps.openGate = gate;
    int ended = api.oneshotsEnded.get();
    try (RawClient client = client()) {
      client.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/oneshot/exec?command=sh",
              tokenFor(grant),
              "SPDY/3.1"));
      // The API server switches, sends its two lines and closes while the session's start is
      // still being written: the close must wait for the start, not end the stream unseen.
      await().atMost(Duration.ofSeconds(2)).until(() -> api.oneshotsEnded.get() > ended);
      Thread.sleep(100); // for the close to cross the loopback to the gateway (no timer involved)
      gate.countDown();

      assertThat(client.head().status()).isEqualTo(101);
      assertThat(client.readToEnd()).isEqualTo("ready\nbye\n");
    } finally {
      rig.taps.openGate = null;
    }
    awaitSessionEnded(grant, SessionEnd.Cause.SERVER_CLOSED);
  }

  @Test
  void anUpgradeTheServerRefusesComesBackAsIs() throws Exception {
    AccessRequest grant = rig.active(rig.main, "readonly", List.of());
    try (RawClient client = client()) {
      client.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/forbidden/exec?command=ls",
              tokenFor(grant),
              "SPDY/3.1"));
      RawClient.Response response = client.response();

      assertThat(response.status()).isEqualTo(403);
      assertThat(response.body()).contains("exec forbidden");
    }
    assertThat(rig.sessions.sessions(grant.id())).isEmpty();
  }

  @Test
  void aStreamWhoseSessionCannotBeRecordedDoesNotStart() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    rig.failOpens = true;
    try (RawClient client = client()) {
      client.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/web-1/exec?command=sh",
              tokenFor(grant),
              "SPDY/3.1"));
      assertThat(client.readToEnd()).startsWith("HTTP/1.1 503").doesNotContain("ready");
    }
    assertThat(rig.taps.opened).isEmpty();
  }

  @Test
  void aRecordingThatFailsEndsItsSession() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    rig.taps.failAfter = 10;
    try (RawClient client = client()) {
      client.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/web-1/exec?command=sh",
              tokenFor(grant),
              "SPDY/3.1"));
      assertThat(client.head().status()).isEqualTo(101);
      client.readUntil("ready\n");
      client.send("this is more than ten bytes\n");

      assertThat(client.readToEnd()).contains("could not be recorded").doesNotContain("this is");
    }
    awaitSessionEnded(grant, SessionEnd.Cause.RECORDING_FAILED);
  }

  /** Waits until the grant's first session is recorded as ended, for {@code cause}. */
  private void awaitSessionEnded(AccessRequest grant, SessionEnd.Cause cause) {
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(rig.sessions.sessions(grant.id()).getFirst().end())
                    .hasValueSatisfying(e -> assertThat(e.cause()).isEqualTo(cause)));
  }

  // ---------------------------------------------------------------- cutting

  @Test
  void revokingClosesEveryConnectionOfTheGrantWithinASecondAndRefusesNewOnes() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    AccessRequest bystander = rig.active(rig.main, "readonly", List.of());
    String token = tokenFor(grant);
    try (RawClient stream = client()) {
      stream.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/web-1/exec?command=sh&tty=1",
              token,
              "SPDY/3.1"));
      assertThat(stream.head().status()).isEqualTo(101);
      stream.readUntil("ready\n");
      RawClient watch = client();
      watch.get(rig.url(rig.main) + "/api/v1/pods?watch=true", token);
      assertThat(watch.head().status()).isEqualTo(200);
      RawClient idle = client();
      assertThat(idle.get(rig.url(rig.main) + "/api/v1/pods", token).response().status())
          .isEqualTo(200);
      RawClient unrelated = client();
      unrelated.get(rig.url(rig.main) + "/api/v1/pods?watch=true", tokenFor(bystander));
      assertThat(unrelated.head().status()).isEqualTo(200);

      long start = System.nanoTime();
      rig.revoke(grant);

      assertThat(stream.readToEnd()).contains("access " + grant.id() + " ended: revoked");
      watch.readToEnd();
      idle.readToEnd();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));

      assertThat(status(c -> c.get(rig.url(rig.main) + "/api/v1/pods", token))).isEqualTo(403);
      api.pushEvent("{\"type\":\"DELETED\"}");
      assertThat(unrelated.readUntil("DELETED\"}\n")).isNotEmpty();
      watch.close();
      idle.close();
      unrelated.close();
    }
    awaitSessionEnded(grant, SessionEnd.Cause.REVOKED);
  }

  @Test
  void theGrantsEndByTheClockCutsItsConnections() throws Exception {
    AccessRequest grant = rig.active(rig.main, "readonly", List.of());
    String token = tokenFor(grant);
    reviews.put(
        token,
        new GatewayTokens.Review.Authenticated(
            grant.id(), rig.rig.clock.instant().plusSeconds(7200)));
    try (RawClient watch = client()) {
      watch.get(rig.url(rig.main) + "/api/v1/pods?watch=true", token);
      assertThat(watch.head().status()).isEqualTo(200);

      rig.rig.clock.set(grant.expiresAt().orElseThrow());

      watch.readToEnd();
    }
    assertThat(status(c -> c.get(rig.url(rig.main) + "/api/v1/pods", token))).isEqualTo(403);
  }

  @Test
  void aTokensOwnExpiryCutsItsConnectionsButNotTheGrant() throws Exception {
    AccessRequest grant = rig.active(rig.main, "readonly", List.of());
    String shortLived = "short-" + grant.id();
    reviews.put(
        shortLived,
        new GatewayTokens.Review.Authenticated(
            grant.id(), rig.rig.clock.instant().plusSeconds(600)));
    try (RawClient watch = client()) {
      watch.get(rig.url(rig.main) + "/api/v1/pods?watch=true", shortLived);
      assertThat(watch.head().status()).isEqualTo(200);

      rig.rig.clock.advance(Duration.ofSeconds(601));

      watch.readToEnd();
    }
    String fresh = "fresh-" + grant.id();
    reviews.put(
        fresh,
        new GatewayTokens.Review.Authenticated(
            grant.id(), rig.rig.clock.instant().plusSeconds(600)));
    assertThat(status(c -> c.get(rig.url(rig.main) + "/api/v1/pods", fresh))).isEqualTo(200);
  }

  @Test
  void anImmediateCutEndsTheGrantHereWithoutAskingTheRecords() throws Exception {
    AccessRequest grant = rig.active(rig.main, "readonly", List.of());
    String token = tokenFor(grant);
    try (RawClient watch = client()) {
      watch.get(rig.url(rig.main) + "/api/v1/pods?watch=true", token);
      assertThat(watch.head().status()).isEqualTo(200);

      gateway.cut(grant.id(), SessionEnd.Cause.REVOKED);

      watch.readToEnd();
    }
    RawClient.Response refused;
    try (RawClient client = client()) {
      refused = client.get(rig.url(rig.main) + "/api/v1/pods", token).response();
    }
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.body()).contains("ended: revoked");
  }

  @Test
  void stoppingEndsEverySessionCleanly() throws Exception {
    AccessRequest grant = rig.active(rig.main, "operator", List.of());
    try (RawClient client = client()) {
      client.send(
          upgrade(
              rig.url(rig.main) + "/api/v1/namespaces/shop/pods/web-1/exec?command=sh",
              tokenFor(grant),
              "SPDY/3.1"));
      assertThat(client.head().status()).isEqualTo(101);
      client.readUntil("ready\n");

      gateway.close();

      assertThat(client.readToEnd()).contains("Latchkey is stopping");
    }
    assertThat(rig.sessions.sessions(grant.id()).getFirst().end())
        .hasValueSatisfying(
            e -> assertThat(e.cause()).isEqualTo(SessionEnd.Cause.GATEWAY_STOPPING));
  }
}
