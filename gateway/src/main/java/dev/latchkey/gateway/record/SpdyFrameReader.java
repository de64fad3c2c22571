package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Reads SPDY/3.1 frames of one direction as their bytes arrive: a data frame's payload is handed on
 * piece by piece where it lies, with its stream; a control frame is gathered whole and handed on as
 * its bytes, for Netty's SPDY codec to read (its header blocks share one zlib context per
 * direction, so every control frame goes to the same codec, in order). Every frame is an 8-byte
 * header whose first bit tells control from data and whose last three bytes give the length of what
 * follows.
 */
final class SpdyFrameReader {
  private static final int HEADER = 8;

  /** Control frames carry headers and settings: far below this in any Kubernetes stream. */
  static final int MAX_CONTROL_FRAME = 1024 * 1024;

  /** Receives the frames read. */
  interface Frames {
    /** A piece of a data frame's payload; lent for the call, never to be kept or changed. */
    void data(int streamId, ByteBuf payload);

    /** A data frame ended; {@code fin} when it was its stream's last. */
    void dataEnd(int streamId, boolean fin);

    /** A whole control frame, header included; the receiver owns it. */
    void control(ByteBuf frame);
  }

  private final Frames frames;
  private final byte[] header = new byte[HEADER];
  private int headerRead;
  private long remaining;
  private boolean inData;
  private int streamId;
  private boolean fin;
  private ByteBuf control;

  SpdyFrameReader(Frames frames) {
    this.frames = frames;
  }

  /** Reads these bytes without consuming them. */
  void read(ByteBuf bytes) {
    int i = bytes.readerIndex();
    int end = bytes.writerIndex();
    while (i < end) {
      if (remaining > 0) {
        int length = (int) Math.min(remaining, end - i);
        if (inData) {
          frames.data(streamId, bytes.slice(i, length));
        } else {
          control.writeBytes(bytes, i, length);
        }
        i += length;
        remaining -= length;
        if (remaining == 0) {
          frameEnd();
        }
      } else {
        header[headerRead++] = bytes.getByte(i++);
        if (headerRead == HEADER) {
          headerRead = 0;
          start();
        }
      }
    }
  }

  private void start() {
    remaining = (header[5] & 0xFF) << 16 | (header[6] & 0xFF) << 8 | (header[7] & 0xFF);
    inData = (header[0] & 0x80) == 0;
    if (inData) {
      streamId =
          (header[0] & 0x7F) << 24
              | (header[1] & 0xFF) << 16
              | (header[2] & 0xFF) << 8
              | (header[3] & 0xFF);
      fin = (header[4] & 0x01) != 0;
    } else {
      if (remaining > MAX_CONTROL_FRAME) {
        throw new RecordingFailedException("a SPDY control frame is too large", null);
      }
      control = Unpooled.buffer(HEADER + (int) remaining);
      control.writeBytes(header);
    }
    if (remaining == 0) {
      frameEnd();
    }
  }

  private void frameEnd() {
    if (inData) {
      frames.dataEnd(streamId, fin);
    } else {
      ByteBuf frame = control;
      control = null;
      frames.control(frame);
    }
  }

  /** Whether the bytes read so far end exactly where a frame ends. */
  boolean atBoundary() {
    return headerRead == 0 && remaining == 0;
  }

  /** Lets go of a control frame gathered in part. */
  void close() {
    if (control != null) {
      control.release();
      control = null;
    }
  }
}
