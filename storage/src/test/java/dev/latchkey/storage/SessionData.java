package dev.latchkey.storage;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.core.testing.Fixtures;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Gateway sessions, their ends and session-log lines for the storage tests. */
final class SessionData {
  private static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

  private SessionData() {}

  /** A distinct, valid session id for each number. */
  static SessionId sessionId(int n) {
    StringBuilder s = new StringBuilder();
    long v = n;
    for (int i = 0; i < 12; i++) {
      s.insert(0, ALPHABET.charAt((int) (v % 32)));
      v /= 32;
    }
    return new SessionId("gs-" + s);
  }

  /** An active grant to hang sessions on; sessions must name a request that exists. */
  static AccessRequest grant(int n) {
    return TestData.inState(RequestState.ACTIVE, TestData.id(n), TestData.T0, Scope.CLUSTER);
  }

  static StreamSession exec(SessionId id, RequestId request, Instant at) {
    return new StreamSession(
        id,
        request,
        Fixtures.PROD,
        StreamKind.EXEC,
        "shop",
        "api-7d9f8",
        Optional.of("api"),
        List.of("sh", "-c", "ls -la /srv && cat \"config.yaml\""),
        true,
        at);
  }

  static StreamSession portForward(SessionId id, RequestId request, Instant at) {
    return new StreamSession(
        id,
        request,
        Fixtures.PROD,
        StreamKind.PORT_FORWARD,
        "shop",
        "db-0",
        Optional.empty(),
        List.of(),
        false,
        at);
  }

  /** The end of a recorded session whose recording is {@code recording}. */
  static SessionEnd ended(Instant at, SessionEnd.Cause cause, byte[] recording) {
    return new SessionEnd(at, cause, 120, 4_096, recording.length, Optional.of(sha256(recording)));
  }

  static ActivityLine line(RequestId request, Instant at, String name) {
    return new ActivityLine(
        at,
        request,
        Fixtures.PROD,
        "get",
        "pods",
        Optional.of("shop"),
        Optional.of(name),
        Optional.of("log"),
        List.of(),
        Optional.of("api"),
        false,
        200,
        512,
        Duration.ofMillis(12),
        Optional.empty(),
        Optional.empty());
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
