package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;

/**
 * Follows where SPDY/3.1 frames begin and end in one direction (every frame is an 8-byte header
 * whose last three bytes give the length of what follows), so a frame of our own can be put in only
 * between two frames.
 */
final class SpdyFrameBoundary {
  private static final int HEADER = 8;
  private final byte[] header = new byte[HEADER];
  private int headerRead;
  private long remaining;

  /** Follows these bytes without consuming them. */
  void follow(ByteBuf bytes) {
    int i = bytes.readerIndex();
    int end = bytes.writerIndex();
    while (i < end) {
      if (remaining > 0) {
        int skipped = (int) Math.min(remaining, end - i);
        i += skipped;
        remaining -= skipped;
      } else {
        header[headerRead++] = bytes.getByte(i++);
        if (headerRead == HEADER) {
          headerRead = 0;
          remaining = (header[5] & 0xFF) << 16 | (header[6] & 0xFF) << 8 | (header[7] & 0xFF);
        }
      }
    }
  }

  boolean atBoundary() {
    return headerRead == 0 && remaining == 0;
  }
}
