package dev.latchkey.core.testing;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.SessionUseCases;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Gateway records seeded as the gateway would write them (sessions opened, recorded and closed
 * through the core's use cases, session-log lines), over a {@link TestRig}'s stores, and the use
 * cases that show them.
 */
public final class SessionRig {
  public final TestRig rig;
  public final InMemorySessionStore sessions;
  public final FakeRecordingDelivery delivery = new FakeRecordingDelivery();
  public final SessionUseCases use;
  private final OpenSession open;
  private final CloseSession close;
  private final Random random = new Random(17);

  public SessionRig() {
    this(new TestRig().enabled());
  }

  public SessionRig(TestRig rig) {
    this(rig, new InMemorySessionStore(rig.audit), rig.notifier);
  }

  /** Over given stores, telling {@code notifier} of session changes (e.g. a Slack surface's). */
  public SessionRig(TestRig rig, InMemorySessionStore sessions, Notifier notifier) {
    this.rig = rig;
    this.sessions = sessions;
    this.open = new OpenSession(sessions, notifier);
    this.close = new CloseSession(sessions, notifier);
    this.use =
        SessionUseCases.wire(
            new SessionUseCases.Ports(
                Fixtures.customers(), rig.requests, sessions, rig.audit, rig.directory, delivery),
            rig.clock);
  }

  /** Opens an exec session of {@code r} in {@code namespace/pod} now. */
  public StreamSession exec(AccessRequest r, String namespace, String pod, String... command) {
    return open(r, StreamKind.EXEC, namespace, pod, Optional.of("app"), List.of(command), true);
  }

  public StreamSession open(
      AccessRequest r,
      StreamKind kind,
      String namespace,
      String pod,
      Optional<String> container,
      List<String> command,
      boolean tty) {
    StreamSession s =
        new StreamSession(
            SessionId.random(random),
            r.id(),
            r.cluster(),
            kind,
            namespace,
            pod,
            container,
            command,
            tty,
            rig.clock.instant());
    open.open(s);
    return s;
  }

  /** Stores {@code cast} as the session's recording and ends it now for {@code cause}. */
  public SessionEnd end(StreamSession s, SessionEnd.Cause cause, byte[] cast) {
    if (s.kind().recorded() && cast.length > 0) {
      sessions.appendRecording(s.id(), 0, cast);
    }
    SessionEnd end =
        new SessionEnd(
            rig.clock.instant(),
            cause,
            120,
            4096,
            s.kind().recorded() ? cast.length : 0,
            s.kind().recorded() ? Optional.of(sha256(cast)) : Optional.empty());
    close.close(s, end);
    return end;
  }

  /** An asciicast v2 recording in which each of {@code typed} is typed and answered. */
  public static byte[] cast(String... typed) {
    StringBuilder out =
        new StringBuilder(
            "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":1772442000,"
                + "\"env\":{\"TERM\":\"xterm\"},\"title\":\"web/api-7f sh\"}\n");
    double t = 0.5;
    for (String line : typed) {
      out.append(String.format(java.util.Locale.ROOT, "[%.3f, \"i\", \"%s\\r\"]%n", t, line));
      out.append(String.format(java.util.Locale.ROOT, "[%.3f, \"o\", \"ok\\r\\n\"]%n", t + 0.1));
      t += 1;
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A session-log line of {@code r}: {@code status} from the cluster, or refused by Latchkey. */
  public ActivityLine line(
      AccessRequest r,
      String verb,
      String resource,
      Optional<String> subresource,
      int status,
      Optional<String> refusal) {
    return line(r.id(), r.cluster(), verb, resource, subresource, status, refusal);
  }

  public ActivityLine line(
      RequestId id,
      ClusterRef cluster,
      String verb,
      String resource,
      Optional<String> subresource,
      int status,
      Optional<String> refusal) {
    return line(rig.clock.instant(), id, cluster, verb, resource, subresource, status, refusal);
  }

  /** A session-log line at {@code at}, as the gateway writes one for a plain request. */
  public static ActivityLine line(
      Instant at,
      RequestId id,
      ClusterRef cluster,
      String verb,
      String resource,
      Optional<String> subresource,
      int status,
      Optional<String> refusal) {
    return new ActivityLine(
        at,
        id,
        cluster,
        verb,
        resource,
        Optional.of("web"),
        Optional.empty(),
        subresource,
        List.of(),
        Optional.empty(),
        false,
        status,
        512,
        Duration.ofMillis(3),
        refusal,
        Optional.empty());
  }

  public void log(ActivityLine... lines) {
    sessions.log(List.of(lines));
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Instant now() {
    return rig.clock.instant();
  }
}
