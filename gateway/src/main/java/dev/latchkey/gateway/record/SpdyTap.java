package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyFrameEncoder;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Records an exec or attach stream carried over SPDY/3.1 (Kubernetes' {@code channel.k8s.io}
 * protocols, {@code v4} and older): the client opens one stream per channel, named by its {@code
 * streamtype} header, and the data frames of each stream carry that channel.
 *
 * <p>{@link SpdyFrameReader} follows the frames: a data frame's payload is recorded where it lies;
 * control frames go whole to Netty's SPDY frame codec, which reads them (including the header
 * blocks, compressed with zlib and the SPDY/3 dictionary in one context per direction), one
 * instance for each direction.
 */
final class SpdyTap extends RecordingTap {
  private static final SpdyVersion VERSION = SpdyVersion.SPDY_3_1;

  /** Kubernetes' stream types ({@code streamtype} header) of a remote command. */
  private enum StreamType {
    STDIN,
    STDOUT,
    STDERR,
    ERROR,
    RESIZE
  }

  private final FirstFailure clientFailure = new FirstFailure();
  private final FirstFailure serverFailure = new FirstFailure();
  private final EmbeddedChannel clientFrames =
      new EmbeddedChannel(new SpdyFrameCodec(VERSION), clientFailure);
  private final EmbeddedChannel serverFrames =
      new EmbeddedChannel(new SpdyFrameCodec(VERSION), serverFailure);
  private final SpdyFrameReader clientReader = new SpdyFrameReader(new Side(true));
  private final SpdyFrameReader serverReader = new SpdyFrameReader(new Side(false));
  private final Map<Integer, StreamType> streams = new HashMap<>();
  private int stdoutStream;
  private boolean stdoutOpen;

  SpdyTap(Recorder recorder) {
    super(recorder);
  }

  @Override
  void decodeFromClient(ByteBuf bytes) {
    clientReader.read(bytes);
  }

  @Override
  void decodeFromServer(ByteBuf bytes) {
    serverReader.read(bytes);
  }

  /** The frames of one direction: data where it lies, control frames through Netty's codec. */
  private final class Side implements SpdyFrameReader.Frames {
    private final boolean fromClient;

    Side(boolean fromClient) {
      this.fromClient = fromClient;
    }

    @Override
    public void data(int streamId, ByteBuf payload) {
      SpdyTap.this.data(streamId, payload, fromClient);
    }

    @Override
    public void dataEnd(int streamId, boolean fin) {
      if (!streams.containsKey(streamId)) {
        // An empty frame carries nothing to record, but no Kubernetes stream sends one unopened.
        throw new RecordingFailedException("SPDY data on a stream that was never opened", null);
      }
      if (!fromClient && fin && streamId == stdoutStream) {
        stdoutOpen = false;
      }
    }

    @Override
    public void control(ByteBuf frame) {
      if (fromClient) {
        decode(clientFrames, clientFailure, frame, true);
      } else {
        decode(serverFrames, serverFailure, frame, false);
      }
    }
  }

  /** One whole control frame, given to the codec of its direction (which releases it). */
  private void decode(
      EmbeddedChannel frames, FirstFailure failure, ByteBuf controlFrame, boolean fromClient) {
    frames.writeInbound(controlFrame);
    try {
      // Frames decoded before a bad one are still recorded.
      for (Object frame = frames.readInbound(); frame != null; frame = frames.readInbound()) {
        try {
          frame(frame, fromClient);
        } finally {
          ReferenceCountUtil.release(frame);
        }
      }
    } finally {
      frames.releaseInbound();
    }
    if (failure.cause != null) {
      throw new RecordingFailedException(
          "a SPDY frame could not be decoded: " + failure.cause, failure.cause);
    }
  }

  /**
   * Keeps the codec's first complaint (a bad frame or header block) for the tap to report, rather
   * than the test channel's logging and rethrowing.
   */
  private static final class FirstFailure extends ChannelInboundHandlerAdapter {
    private Throwable cause;

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (this.cause == null) {
        this.cause = cause;
      }
    }
  }

  private void frame(Object frame, boolean fromClient) {
    switch (frame) {
      case SpdySynStreamFrame open -> opened(open, fromClient);
      case SpdyRstStreamFrame reset -> {
        if (reset.streamId() == stdoutStream) {
          stdoutOpen = false;
        }
      }
      // SYN_REPLY, HEADERS, SETTINGS, PING, GOAWAY, WINDOW_UPDATE carry nothing of the terminal.
      default -> {}
    }
  }

  private void opened(SpdySynStreamFrame open, boolean fromClient) {
    if (!fromClient) {
      throw new RecordingFailedException("the server opened a SPDY stream", null);
    }
    if (open.isInvalid() || open.isTruncated()) {
      throw new RecordingFailedException("a SPDY stream's headers could not be read", null);
    }
    String name = open.headers().getAsString("streamtype");
    StreamType type;
    try {
      type = StreamType.valueOf(String.valueOf(name).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new RecordingFailedException("a SPDY stream of an unknown type: " + name, null);
    }
    if (streams.putIfAbsent(open.streamId(), type) != null) {
      throw new RecordingFailedException("a SPDY stream opened twice", null);
    }
    if (type == StreamType.STDOUT) {
      stdoutStream = open.streamId();
      stdoutOpen = true;
    }
  }

  private void data(int streamId, ByteBuf bytes, boolean fromClient) {
    StreamType type = streams.get(streamId);
    if (type == null) {
      throw new RecordingFailedException("SPDY data on a stream that was never opened", null);
    }
    if (!bytes.isReadable()) {
      return;
    }
    switch (type) {
      case STDIN -> onlyFrom(fromClient, true, type).stdin(bytes);
      case RESIZE -> onlyFrom(fromClient, true, type).resize(bytes);
      case STDOUT -> onlyFrom(fromClient, false, type).stdout(bytes);
      case STDERR -> onlyFrom(fromClient, false, type).stderr(bytes);
      case ERROR -> onlyFrom(fromClient, false, type).status(bytes);
    }
  }

  private Recorder onlyFrom(boolean fromClient, boolean client, StreamType type) {
    if (fromClient != client) {
      throw new RecordingFailedException(
          "SPDY " + type.name().toLowerCase(Locale.ROOT) + " data in the wrong direction", null);
    }
    return recorder();
  }

  @Override
  Optional<ByteBuf> stdoutFrame(byte[] output) {
    if (!stdoutOpen || !serverReader.atBoundary()) {
      return Optional.empty();
    }
    return Optional.of(
        new SpdyFrameEncoder(VERSION)
            .encodeDataFrame(
                UnpooledByteBufAllocator.DEFAULT,
                stdoutStream,
                false,
                Unpooled.wrappedBuffer(output)));
  }

  @Override
  void closeDecoders() {
    clientReader.close();
    serverReader.close();
    clientFrames.finishAndReleaseAll();
    serverFrames.finishAndReleaseAll();
  }
}
