package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Reads WebSocket frames (RFC 6455) of one direction as their bytes arrive, without waiting for a
 * whole frame: payloads are handed on, unmasked, piece by piece. Client frames must be masked and
 * server frames not; no extension is expected (Kubernetes negotiates none).
 */
final class WebSocketFrameReader {
  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;
  static final int PONG = 0xA;

  /** Receives the frames read. */
  interface Frames {
    void frameStart(int opcode, boolean fin);

    /** A piece of a frame's payload, unmasked; lent for the call, never to be kept or changed. */
    void payload(ByteBuf bytes);

    void frameEnd();
  }

  private final boolean masked;
  private final Frames frames;
  private final byte[] header = new byte[14];
  private int headerRead;
  private int headerLength = 2;
  private final byte[] mask = new byte[4];
  private long maskPosition;
  private long remaining;
  private boolean inPayload;

  WebSocketFrameReader(boolean masked, Frames frames) {
    this.masked = masked;
    this.frames = frames;
  }

  /** Reads these bytes without consuming them. */
  void read(ByteBuf bytes) {
    int i = bytes.readerIndex();
    int end = bytes.writerIndex();
    while (i < end) {
      if (inPayload) {
        int length = (int) Math.min(remaining, end - i);
        ByteBuf payload;
        if (masked) {
          byte[] unmasked = new byte[length];
          bytes.getBytes(i, unmasked);
          for (int j = 0; j < length; j++) {
            unmasked[j] ^= mask[(int) (maskPosition++ & 3)];
          }
          payload = Unpooled.wrappedBuffer(unmasked);
        } else {
          // A server's output, the bulk of a stream: read where it lies, not copied.
          payload = bytes.slice(i, length);
        }
        i += length;
        remaining -= length;
        frames.payload(payload);
        if (remaining == 0) {
          inPayload = false;
          frames.frameEnd();
        }
      } else {
        header[headerRead++] = bytes.getByte(i++);
        if (headerRead == 2) {
          headerLength = headerLength();
        }
        if (headerRead == headerLength) {
          start();
        }
      }
    }
  }

  private int headerLength() {
    int first = header[0] & 0xFF;
    int second = header[1] & 0xFF;
    int opcode = first & 0x0F;
    if ((first & 0x70) != 0) {
      throw failure("a WebSocket frame uses an extension that was not negotiated");
    }
    if (opcode > BINARY && opcode < CLOSE || opcode > PONG) {
      throw failure("a WebSocket frame of unknown type " + opcode);
    }
    if (((second & 0x80) != 0) != masked) {
      throw failure(
          masked ? "a client WebSocket frame is not masked" : "a server WebSocket frame is masked");
    }
    int length = second & 0x7F;
    if (opcode >= CLOSE && ((first & 0x80) == 0 || length > 125)) {
      throw failure("a WebSocket control frame is fragmented or too long");
    }
    return 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private void start() {
    int length = header[1] & 0x7F;
    int at = 2;
    if (length == 126) {
      remaining = (header[2] & 0xFF) << 8 | (header[3] & 0xFF);
      at = 4;
    } else if (length == 127) {
      remaining = 0;
      for (int k = 2; k < 10; k++) {
        remaining = remaining << 8 | (header[k] & 0xFF);
      }
      if (remaining < 0) {
        throw failure("a WebSocket frame's length is out of range");
      }
      at = 10;
    } else {
      remaining = length;
    }
    if (masked) {
      System.arraycopy(header, at, mask, 0, 4);
    }
    maskPosition = 0;
    headerRead = 0;
    headerLength = 2;
    frames.frameStart(header[0] & 0x0F, (header[0] & 0x80) != 0);
    if (remaining == 0) {
      frames.frameEnd();
    } else {
      inPayload = true;
    }
  }

  /** Whether the bytes read so far end exactly where a frame ends. */
  boolean atBoundary() {
    return headerRead == 0 && !inPayload;
  }

  private static RecordingFailedException failure(String message) {
    return new RecordingFailedException(message, null);
  }
}
