package dev.latchkey.gateway.record;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Sessions and clocks for the recording tests. */
final class Sessions {
  static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(START, ZoneOffset.UTC);

  private Sessions() {}

  static StreamSession exec(boolean tty, String... command) {
    return session(StreamKind.EXEC, tty, List.of(command));
  }

  static StreamSession session(StreamKind kind, boolean tty, List<String> command) {
    Random random = new Random(7);
    return new StreamSession(
        SessionId.random(random),
        RequestId.random(random),
        new ClusterRef(new CustomerId("acme"), "prod"),
        kind,
        "default",
        "web-1",
        Optional.of("app"),
        command,
        tty,
        START);
  }
}
