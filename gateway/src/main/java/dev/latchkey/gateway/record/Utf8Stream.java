package dev.latchkey.gateway.record;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes one channel's bytes as UTF-8 piece by piece, keeping a character split across pieces
 * whole; bytes that are not UTF-8 become U+FFFD.
 */
final class Utf8Stream {
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private byte[] carried = new byte[0];

  /** The text these bytes complete; an unfinished character at the end waits for the next. */
  String decode(byte[] bytes) {
    byte[] input = bytes;
    if (carried.length > 0) {
      input = Arrays.copyOf(carried, carried.length + bytes.length);
      System.arraycopy(bytes, 0, input, carried.length, bytes.length);
    }
    ByteBuffer in = ByteBuffer.wrap(input);
    // One char per byte at most: a replacement per bad byte, two chars for four bytes.
    CharBuffer out = CharBuffer.allocate(input.length + 1);
    decoder.decode(in, out, false);
    carried = Arrays.copyOfRange(input, in.position(), input.length);
    return out.flip().toString();
  }

  /** What is left at the end of the stream: an unfinished character, as U+FFFD. */
  String end() {
    ByteBuffer in = ByteBuffer.wrap(carried);
    CharBuffer out = CharBuffer.allocate(carried.length + 2);
    decoder.decode(in, out, true);
    decoder.flush(out);
    decoder.reset();
    carried = new byte[0];
    return out.flip().toString();
  }
}
