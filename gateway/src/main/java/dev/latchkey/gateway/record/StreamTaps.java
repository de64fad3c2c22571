package dev.latchkey.gateway.record;

import dev.latchkey.core.session.StreamSession;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;

/** Opens the tap that records one upgraded stream, chosen by its transport and subprotocol. */
public final class StreamTaps {
  /** Kubernetes' remote-command protocols over SPDY ({@code X-Stream-Protocol-Version}). */
  private static final Set<String> SPDY =
      Set.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io");

  /**
   * Over WebSocket ({@code Sec-WebSocket-Protocol}); none at all is the server's binary default.
   */
  private static final Set<String> WEBSOCKET_BINARY =
      Set.of(
          "",
          "channel.k8s.io",
          "v2.channel.k8s.io",
          "v3.channel.k8s.io",
          "v4.channel.k8s.io",
          "v5.channel.k8s.io");

  private static final Set<String> WEBSOCKET_BASE64 =
      Set.of(
          "base64.channel.k8s.io",
          "v2.base64.channel.k8s.io",
          "v3.base64.channel.k8s.io",
          "v4.base64.channel.k8s.io");

  private StreamTaps() {}

  /**
   * A tap for {@code session}'s stream. Exec and attach streams are recorded (asciicast v2, into
   * {@code sink}, at most {@code capBytes}); port-forward streams are only counted. A stream this
   * cannot record is refused with {@link RecordingFailedException}, so it does not start.
   *
   * @param transport the upgrade: {@code SPDY/3.1} or {@code websocket}
   * @param subprotocol the protocol the server chose ({@code X-Stream-Protocol-Version} or {@code
   *     Sec-WebSocket-Protocol}); empty when it named none
   * @param nanoTicker elapsed time, for the events' times
   * @param clock the wall clock, for the recording's start
   */
  public static CountingTap open(
      StreamSession session,
      String transport,
      String subprotocol,
      RecordingSink sink,
      LongSupplier nanoTicker,
      Clock clock,
      long capBytes) {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(subprotocol, "subprotocol");
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(nanoTicker, "nanoTicker");
    Objects.requireNonNull(clock, "clock");
    if (!session.kind().recorded()) {
      return new PortForwardTap();
    }
    String upgrade = transport.trim().toLowerCase(Locale.ROOT);
    String protocol = subprotocol.trim();
    RecordingTap tap;
    if (upgrade.equals("spdy/3.1") && SPDY.contains(protocol)) {
      tap = new SpdyTap(recorder(session, sink, nanoTicker, clock, capBytes));
    } else if (upgrade.equals("websocket") && WEBSOCKET_BINARY.contains(protocol)) {
      tap =
          new WebSocketTap(
              recorder(session, sink, nanoTicker, clock, capBytes),
              false,
              protocol.equals("v5.channel.k8s.io"));
    } else if (upgrade.equals("websocket") && WEBSOCKET_BASE64.contains(protocol)) {
      tap = new WebSocketTap(recorder(session, sink, nanoTicker, clock, capBytes), true, false);
    } else {
      throw new RecordingFailedException(
          "cannot record a " + transport + " stream in protocol '" + subprotocol + "'", null);
    }
    // Without a terminal there is no size to wait for: the header is stored at once.
    tap.recorder().endOfRead();
    tap.store();
    return tap;
  }

  private static Recorder recorder(
      StreamSession session,
      RecordingSink sink,
      LongSupplier nanoTicker,
      Clock clock,
      long capBytes) {
    return new Recorder(session, new CastWriter(sink, capBytes), nanoTicker, clock);
  }
}
