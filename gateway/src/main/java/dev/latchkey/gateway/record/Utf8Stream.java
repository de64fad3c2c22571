package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One channel's bytes as UTF-8 text, piece by piece: a character split across pieces is kept whole
 * for the next, and bytes that are not UTF-8 become U+FFFD. What a piece completes is handed out as
 * well-formed UTF-8 bytes, so a recording copies a terminal's output without decoding it to
 * characters and encoding it again: only a piece that is not UTF-8 takes the JDK's decoder.
 */
final class Utf8Stream {
  private static final byte[] NOTHING = new byte[0];
  private static final int SMALL = 16 * 1024;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Well-formed UTF-8 bytes from {@code from} to {@code to} of {@code bytes}. */
  record Text(byte[] bytes, int from, int to) {
    boolean isEmpty() {
      return from == to;
    }
  }

  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private byte[] buffer = new byte[256];
  // An unfinished character at the end of the last piece: where it lies in the buffer, which the
  // last Text may still lend, so it moves to the front only when the next piece comes.
  private int carriedFrom;
  private int carried;

  /**
   * The text these bytes complete, lent until the next call; an unfinished character at the end
   * waits for the next piece.
   */
  Text decode(ByteBuf bytes) {
    int length = bytes.readableBytes();
    int total = frontCarried(length);
    bytes.getBytes(bytes.readerIndex(), buffer, carried, length);
    return decoded(total);
  }

  /** What is left at the end of the stream: an unfinished character, as U+FFFD. */
  String end() {
    ByteBuffer in = ByteBuffer.wrap(buffer, carriedFrom, carried);
    CharBuffer out = CharBuffer.allocate(carried + 2);
    decoder.decode(in, out, true);
    decoder.flush(out);
    decoder.reset();
    carried = 0;
    carriedFrom = 0;
    return out.flip().toString();
  }

  private int frontCarried(int length) {
    if (carried > 0 && carriedFrom > 0) {
      System.arraycopy(buffer, carriedFrom, buffer, 0, carried);
    }
    carriedFrom = 0;
    int total = carried + length;
    if (total > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(total, 2 * buffer.length));
    } else if (buffer.length > SMALL && total <= buffer.length / 8) {
      buffer = Arrays.copyOf(buffer, Math.max(SMALL, total)); // not kept large after a burst
    }
    return total;
  }

  private Text decoded(int total) {
    int end = wellFormedUpTo(buffer, total);
    if (end == total) {
      carried = 0;
      return new Text(buffer, 0, total);
    }
    if (unfinished(buffer, end, total)) {
      carriedFrom = end;
      carried = total - end;
      return new Text(buffer, 0, end);
    }
    // Not UTF-8: the JDK's decoder says which bytes each U+FFFD replaces, as it always has.
    ByteBuffer in = ByteBuffer.wrap(buffer, 0, total);
    CharBuffer out = CharBuffer.allocate(total + 1);
    decoder.decode(in, out, false);
    carriedFrom = in.position();
    carried = total - carriedFrom;
    byte[] text = out.flip().toString().getBytes(StandardCharsets.UTF_8);
    return new Text(text.length == 0 ? NOTHING : text, 0, text.length);
  }

  /**
   * Where the first byte that does not begin a whole, well-formed character lies (Unicode's table
   * 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or {@code to}.
   */
  static int wellFormedUpTo(byte[] b, int to) {
    int i = 0;
    while (i < to) {
      if (i + 8 <= to && ((long) LONGS.get(b, i) & 0x8080808080808080L) == 0) {
        i += 8; // eight ASCII bytes
        continue;
      }
      int lead = b[i];
      if (lead >= 0) {
        i++;
        continue;
      }
      int needed = sequenceLength(lead & 0xFF);
      if (needed == 0 || i + needed > to || !continues(b, i, needed)) {
        return i;
      }
      i += needed;
    }
    return to;
  }

  /** Whether the bytes from {@code from} to {@code to} begin a character but end before it does. */
  private static boolean unfinished(byte[] b, int from, int to) {
    int needed = sequenceLength(b[from] & 0xFF);
    return needed > to - from && continues(b, from, to - from);
  }

  /** How many bytes a character with this first byte has; 0 when none begins so. */
  private static int sequenceLength(int lead) {
    if (lead >= 0xC2 && lead <= 0xDF) {
      return 2;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
      return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
      return 4;
    }
    return 0;
  }

  /** Whether the {@code count} bytes at {@code at} (a lead byte first) are a well-formed start. */
  private static boolean continues(byte[] b, int at, int count) {
    int lead = b[at] & 0xFF;
    for (int k = 1; k < count; k++) {
      int next = b[at + k] & 0xFF;
      int low = 0x80;
      int high = 0xBF;
      if (k == 1) {
        switch (lead) {
          case 0xE0 -> low = 0xA0;
          case 0xED -> high = 0x9F;
          case 0xF0 -> low = 0x90;
          case 0xF4 -> high = 0x8F;
          default -> {}
        }
      }
      if (next < low || next > high) {
        return false;
      }
    }
    return true;
  }
}
