package dev.latchkey.gateway;

import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.gateway.record.RecordingFailedException;
import dev.latchkey.gateway.record.StreamTap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upgraded stream (exec, attach, port-forward): its session is recorded as started before the
 * first byte passes, then bytes are relayed unchanged both ways, each once the recording of what it
 * carries is stored ({@link RecordingLane}), and the session is recorded as ended once, however it
 * ends. Runs on the connection's event loop, except the records, which are written on the workers.
 */
final class StreamRelay implements RecordingLane.Out {
  private static final Logger log = LoggerFactory.getLogger(StreamRelay.class);

  /** How long a farewell may take to reach a client before the connection is closed anyway. */
  private static final long FAREWELL_MILLIS = 200;

  private final GatewayContext gw;
  private final Channel client;
  private final Channel upstream;
  private final Exchange exchange;
  private final StreamSession session;
  private final SessionRecords records;
  private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();
  private StreamTap tap;
  private RecordingLane lane;
  private boolean opened;
  private boolean started;
  private boolean ended;
  private boolean serverClosedBeforeStart;
  private SessionEnd.Cause endCause = SessionEnd.Cause.CLIENT_CLOSED;
  private long fromClient;
  private long fromServer;

  private StreamRelay(
      GatewayContext gw,
      Channel client,
      Channel upstream,
      Exchange exchange,
      StreamSession session) {
    this.gw = gw;
    this.client = client;
    this.upstream = upstream;
    this.exchange = exchange;
    this.session = session;
    this.records = new SessionRecords(gw, session, exchange);
  }

  /** A relay for the stream an upgrade request of {@code exchange} opened. */
  static StreamRelay of(GatewayContext gw, Channel client, Channel upstream, Exchange exchange) {
    var kube = exchange.kube;
    StreamSession session =
        new StreamSession(
            SessionId.random(gw.random()),
            exchange.grant.id(),
            exchange.grant.cluster(),
            kube.streamKind().orElseThrow(),
            kube.namespace().orElseThrow(),
            kube.name().orElseThrow(),
            kube.container(),
            kube.command(),
            kube.tty(),
            gw.services.clock().instant());
    return new StreamRelay(gw, client, upstream, exchange, session);
  }

  /** The transport the API server switched to: {@code websocket} or {@code SPDY/3.1}. */
  static String transport(HttpResponse switching) {
    String upgrade = String.valueOf(switching.headers().get(HttpHeaderNames.UPGRADE));
    return upgrade.equalsIgnoreCase("websocket") ? "websocket" : "SPDY/3.1";
  }

  /** The channel protocol the API server chose; empty when it named none. */
  static String subprotocol(HttpResponse switching) {
    String chosen =
        transport(switching).equals("websocket")
            ? switching.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "")
            : switching.headers().get("X-Stream-Protocol-Version", "");
    return chosen.strip();
  }

  /**
   * Once the session is recorded: passes the switch on to the client, takes HTTP out of both
   * connections (what the API server's codec still holds reaches this relay first), and starts.
   */
  void switchOver(HttpResponse switching, ChannelHandler clientDeadline, ArrayDeque<Object> early) {
    ForwardedHeaders.towardsClient(switching.headers(), true);
    client.writeAndFlush(
        new DefaultFullHttpResponse(
            switching.protocolVersion(),
            switching.status(),
            Unpooled.EMPTY_BUFFER,
            switching.headers(),
            EmptyHttpHeaders.INSTANCE));
    if (client.pipeline().get("http-out") != null) {
      client.pipeline().remove("http-out");
    }
    if (client.pipeline().context(clientDeadline) != null) {
      client.pipeline().remove(clientDeadline);
    }
    exchange.status = 101;
    exchange.responseStarted = true;
    if (upstream.pipeline().get("http") != null) {
      upstream.pipeline().remove("http");
    }
    start(early);
    upstream.config().setAutoRead(true);
    client.config().setAutoRead(true);
  }

  /** Records the session as started and opens its recorder, on a worker; the future never fails. */
  CompletableFuture<SessionRecords.Opening> open(String transport, String subprotocol) {
    return records.open(transport, subprotocol);
  }

  /** On the event loop, once {@link #open} is done: whether the stream may now start. */
  boolean opened(SessionRecords.Opening opening) {
    opened = opening.recorded();
    tap = opening.tap().orElse(null);
    if (ended) {
      if (opened) {
        record(endCause);
      }
      return false;
    }
    if (tap == null) {
      ended = true;
      if (opened) {
        record(SessionEnd.Cause.RECORDING_FAILED);
      }
      return false;
    }
    return true;
  }

  /** Starts relaying: first what each side sent early (the client's bytes are given here). */
  private void start(ArrayDeque<Object> clientEarly) {
    started = true;
    lane = new RecordingLane(tap, gw.workers, client.eventLoop(), this);
    while (!clientEarly.isEmpty()) {
      Object msg = clientEarly.poll();
      if (msg instanceof ByteBuf bytes && !ended) {
        fromClient(bytes);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
    while (!early.isEmpty()) {
      ByteBuf bytes = early.poll();
      if (ended) {
        bytes.release();
      } else {
        fromServer(bytes);
      }
    }
    upstream.flush();
    client.flush();
    if (serverClosedBeforeStart) {
      serverClosed();
    }
  }

  void fromClient(ByteBuf bytes) {
    if (ended) {
      bytes.release();
      return;
    }
    try {
      tap.fromClient(bytes.asReadOnly());
    } catch (RecordingFailedException e) {
      bytes.release();
      recordingFailed(e);
      return;
    }
    lane.fromClient(bytes);
  }

  /** Bytes from the API server: relayed once started, kept until then. */
  void fromServer(Object msg) {
    if (!(msg instanceof ByteBuf bytes) || ended) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!started) {
      if (bytes.isReadable()) {
        early.add(bytes);
      } else {
        bytes.release();
      }
      return;
    }
    try {
      tap.fromServer(bytes.asReadOnly());
    } catch (RecordingFailedException e) {
      bytes.release();
      recordingFailed(e);
      return;
    }
    lane.fromServer(bytes);
  }

  // ---------------------------------------------------------------- once recorded

  @Override
  public void toServer(ByteBuf bytes) {
    fromClient += bytes.readableBytes();
    upstream.write(bytes, upstream.voidPromise());
    if (!upstream.isWritable()) {
      client.config().setAutoRead(false);
    }
  }

  @Override
  public void toClient(ByteBuf bytes) {
    fromServer += bytes.readableBytes();
    client.write(bytes, client.voidPromise());
    if (!client.isWritable()) {
      upstream.config().setAutoRead(false);
    }
  }

  @Override
  public void flush() {
    upstream.flush();
    client.flush();
  }

  @Override
  public void pause(boolean fromServer, boolean paused) {
    if (fromServer) {
      upstream.config().setAutoRead(!paused && client.isWritable());
    } else {
      client.config().setAutoRead(!paused && upstream.isWritable());
    }
  }

  @Override
  public void failed(RecordingFailedException failure) {
    recordingFailed(failure);
  }

  /** The client went away; what it sent last still reaches the API server once recorded. */
  void clientClosed() {
    whenPassed(
        () -> {
          end(SessionEnd.Cause.CLIENT_CLOSED);
          upstream.close();
        });
  }

  /** The API server ended the stream; what it sent last still reaches the client once recorded. */
  void serverClosed() {
    if (!started && !ended) {
      // The switch is still being recorded, and the client has not been told of it: the close
      // waits for the start, so the client gets the switch and what the server sent first.
      serverClosedBeforeStart = true;
      return;
    }
    whenPassed(
        () -> {
          if (!ended) {
            end(SessionEnd.Cause.SERVER_CLOSED);
            // Reading again (and dropping what comes): unread bytes at the close would make it a
            // reset, which can cost the client the end of the output it has not read yet.
            client.config().setAutoRead(true);
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> client.close());
          }
        });
  }

  private void whenPassed(Runnable then) {
    if (lane == null || ended) {
      then.run();
    } else {
      lane.whenPassed(then);
    }
  }

  void failed() {
    end(SessionEnd.Cause.FAILED);
    upstream.close();
    client.close();
  }

  /**
   * Ends the stream because its grant (or token) ended or the gateway stops: the API server's bytes
   * stop at once, the client is shown {@code line} where its protocol allows, then both connections
   * close.
   */
  void cut(SessionEnd.Cause cause, String line) {
    if (ended) {
      return;
    }
    upstream.config().setAutoRead(false);
    upstream.close();
    Optional<ByteBuf> farewell = Optional.empty();
    // Only where what the client was shown is all the tap has read: else the line could fall inside
    // a frame the client never got whole.
    if (started && lane.idle()) {
      try {
        farewell = tap.farewell(line);
      } catch (RuntimeException e) {
        log.debug("no farewell for session {}: {}", session.id(), e.toString());
      }
    }
    end(cause);
    if (farewell.isPresent()) {
      client.writeAndFlush(farewell.get()).addListener(f -> client.close());
      client.eventLoop().schedule(() -> client.close(), FAREWELL_MILLIS, TimeUnit.MILLISECONDS);
    } else {
      client.close();
    }
  }

  boolean ended() {
    return ended;
  }

  private void recordingFailed(RecordingFailedException e) {
    log.warn("session {} of {} ended: {}", session.id(), session.requestId(), e.getMessage());
    cut(
        e.full() ? SessionEnd.Cause.RECORDING_FULL : SessionEnd.Cause.RECORDING_FAILED,
        EndCauses.line(
            session.requestId(),
            e.full() ? SessionEnd.Cause.RECORDING_FULL : SessionEnd.Cause.RECORDING_FAILED));
  }

  private void end(SessionEnd.Cause cause) {
    if (ended) {
      return;
    }
    ended = true;
    endCause = cause;
    while (!early.isEmpty()) {
      early.poll().release();
    }
    if (lane != null) {
      lane.close();
    }
    if (started) {
      record(cause);
    }
    // Not started yet: opened() records the end once the opening is done.
  }

  /** Writes the session's end (and its request's log line) on a worker, once. */
  private void record(SessionEnd.Cause cause) {
    records.ended(cause, fromClient, fromServer, tap, opened);
  }
}
