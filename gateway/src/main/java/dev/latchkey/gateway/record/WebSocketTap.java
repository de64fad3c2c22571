package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * Records an exec or attach stream carried over WebSocket in Kubernetes' channel protocols: every
 * message starts with its channel (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; in {@code v5}
 * also 255, a channel's close); the {@code base64} variants send text messages whose channel is an
 * ASCII digit and whose data is base64.
 */
final class WebSocketTap extends RecordingTap {
  private static final int STDIN = 0;
  private static final int STDOUT = 1;
  private static final int STDERR = 2;
  private static final int ERROR = 3;
  private static final int RESIZE = 4;
  private static final int CLOSE = 255;

  private final boolean base64;
  private final boolean closeChannel;
  private final Messages fromClient = new Messages(true);
  private final Messages fromServer = new Messages(false);

  WebSocketTap(Recorder recorder, boolean base64, boolean closeChannel) {
    super(recorder);
    this.base64 = base64;
    this.closeChannel = closeChannel;
  }

  @Override
  void decodeFromClient(ByteBuf bytes) {
    fromClient.frames.read(bytes);
  }

  @Override
  void decodeFromServer(ByteBuf bytes) {
    fromServer.frames.read(bytes);
  }

  @Override
  Optional<ByteBuf> stdoutFrame(byte[] output) {
    if (!fromServer.frames.atBoundary() || fromServer.inMessage || fromServer.closed) {
      return Optional.empty();
    }
    byte[] payload;
    if (base64) {
      payload =
          ("1" + Base64.getEncoder().encodeToString(output)).getBytes(StandardCharsets.US_ASCII);
    } else {
      payload = new byte[output.length + 1];
      payload[0] = STDOUT;
      System.arraycopy(output, 0, payload, 1, output.length);
    }
    int opcode = base64 ? WebSocketFrameReader.TEXT : WebSocketFrameReader.BINARY;
    ByteBuf frame = Unpooled.buffer(payload.length + 10);
    frame.writeByte(0x80 | opcode);
    if (payload.length < 126) {
      frame.writeByte(payload.length);
    } else if (payload.length <= 0xFFFF) {
      frame.writeByte(126).writeShort(payload.length);
    } else {
      frame.writeByte(127).writeLong(payload.length);
    }
    return Optional.of(frame.writeBytes(payload));
  }

  @Override
  void closeDecoders() {
    // Nothing held outside the heap.
  }

  /** The messages of one direction, put together from its frames. */
  private final class Messages implements WebSocketFrameReader.Frames {
    private final boolean client;
    private final WebSocketFrameReader frames;
    private int opcode;
    private boolean fin;
    private boolean inMessage;
    private boolean closed;
    private int channel = -1;
    private byte[] base64Pending = new byte[0];
    private boolean padded;

    Messages(boolean client) {
      this.client = client;
      this.frames = new WebSocketFrameReader(client, this);
    }

    @Override
    public void frameStart(int opcode, boolean fin) {
      if (closed) {
        throw failure("a WebSocket frame after the close frame");
      }
      this.opcode = opcode;
      if (opcode >= WebSocketFrameReader.CLOSE) {
        return;
      }
      if (opcode == WebSocketFrameReader.CONTINUATION) {
        if (!inMessage) {
          throw failure("a WebSocket continuation frame outside a message");
        }
      } else {
        if (inMessage) {
          throw failure("a WebSocket message began before the last one ended");
        }
        inMessage = true;
        channel = -1;
      }
      this.fin = fin;
    }

    @Override
    public void payload(ByteBuf bytes) {
      if (opcode >= WebSocketFrameReader.CLOSE || !bytes.isReadable()) {
        return; // ping and pong payloads are opaque; a close frame's reason is not the terminal's
      }
      ByteBuf data = bytes;
      if (channel < 0) {
        channel = channel(bytes.getByte(bytes.readerIndex()));
        data = bytes.slice(bytes.readerIndex() + 1, bytes.readableBytes() - 1);
      }
      if (base64) {
        base64(ByteBufUtil.getBytes(data));
      } else if (data.isReadable()) {
        deliver(data);
      }
    }

    @Override
    public void frameEnd() {
      if (opcode == WebSocketFrameReader.CLOSE) {
        closed = true;
      } else if (opcode < WebSocketFrameReader.CLOSE && fin) {
        if (base64Pending.length != 0) {
          throw failure("a base64 WebSocket message ends in the middle of a group of four");
        }
        inMessage = false;
        padded = false;
      }
    }

    private int channel(byte first) {
      int number = base64 ? first - '0' : first & 0xFF;
      if (base64 && (number < 0 || number > 9)) {
        throw failure("a base64 WebSocket message does not start with a channel digit");
      }
      if (number > RESIZE && !(closeChannel && number == CLOSE)) {
        throw failure("a WebSocket message on unknown channel " + number);
      }
      return number;
    }

    private void base64(byte[] bytes) {
      byte[] text = new byte[base64Pending.length + bytes.length];
      System.arraycopy(base64Pending, 0, text, 0, base64Pending.length);
      System.arraycopy(bytes, 0, text, base64Pending.length, bytes.length);
      int whole = text.length - text.length % 4;
      base64Pending = Arrays.copyOfRange(text, whole, text.length);
      if (whole == 0) {
        return;
      }
      if (padded) {
        throw failure("a base64 WebSocket message goes on after its padding");
      }
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(Arrays.copyOf(text, whole));
      } catch (IllegalArgumentException e) {
        throw new RecordingFailedException("a WebSocket message is not base64", e);
      }
      padded = text[whole - 1] == '=';
      deliver(Unpooled.wrappedBuffer(decoded));
    }

    private void deliver(ByteBuf data) {
      if (!data.isReadable() || channel == CLOSE) {
        return; // a close names the channel closed: nothing of the terminal
      }
      Recorder recorder = recorder();
      if (client && channel == STDIN) {
        recorder.stdin(data);
      } else if (client && channel == RESIZE) {
        recorder.resize(data);
      } else if (!client && channel == STDOUT) {
        recorder.stdout(data);
      } else if (!client && channel == STDERR) {
        recorder.stderr(data);
      } else if (!client && channel == ERROR) {
        recorder.status(data);
      } else {
        throw failure("WebSocket data on channel " + channel + " in the wrong direction");
      }
    }
  }

  private static RecordingFailedException failure(String message) {
    return new RecordingFailedException(message, null);
  }
}
