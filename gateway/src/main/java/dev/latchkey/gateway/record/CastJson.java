package dev.latchkey.gateway.record;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The JSON of asciicast v2 lines: the header object and {@code [time, code, data]} events. */
final class CastJson {
  private static final JsonFactory JSON = new JsonFactory();

  private CastJson() {}

  static byte[] header(int width, int height, long timestamp, String title, Optional<String> term) {
    return write(
        json -> {
          json.writeStartObject();
          json.writeNumberField("version", 2);
          json.writeNumberField("width", width);
          json.writeNumberField("height", height);
          json.writeNumberField("timestamp", timestamp);
          json.writeStringField("title", title);
          if (term.isPresent()) {
            json.writeObjectFieldStart("env");
            json.writeStringField("TERM", term.get());
            json.writeEndObject();
          }
          json.writeEndObject();
        });
  }

  /**
   * Appends the event line {@code [time, code, text]} to {@code line}, its text given as
   * well-formed UTF-8 and escaped as it is copied, without decoding it into characters first: the
   * bytes Jackson writes for that string, but that a character beyond the BMP stays its own four
   * bytes rather than two escapes. {@code code} is a plain ASCII word.
   */
  static void appendEvent(ByteBuf line, long micros, String code, byte[] utf8, int from, int to) {
    line.writeByte('[').writeCharSequence(seconds(micros), StandardCharsets.US_ASCII);
    line.writeByte(',').writeByte('"').writeCharSequence(code, StandardCharsets.US_ASCII);
    line.writeByte('"').writeByte(',').writeByte('"');
    // At most six bytes for each byte of text (a control character becomes a six-byte escape).
    line.ensureWritable(6 * (to - from) + 2);
    byte[] out = line.array();
    int at = line.arrayOffset() + line.writerIndex();
    int start = at;
    int run = from;
    int i = from;
    while (i < to) {
      // Eight bytes at a time while none of them needs an escape: most of a terminal's output.
      if (i + 8 <= to && !anyEscaped((long) LONGS.get(utf8, i))) {
        i += 8;
        continue;
      }
      byte b = utf8[i++];
      int escape = b < 0 ? 0 : ESCAPES[b];
      if (escape == 0) {
        continue;
      }
      System.arraycopy(utf8, run, out, at, i - 1 - run);
      at += i - 1 - run;
      run = i;
      out[at++] = '\\';
      if (escape > 0) {
        out[at++] = (byte) escape;
      } else {
        out[at++] = 'u';
        out[at++] = '0';
        out[at++] = '0';
        out[at++] = HEX[b >> 4];
        out[at++] = HEX[b & 0xF];
      }
    }
    System.arraycopy(utf8, run, out, at, to - run);
    at += to - run;
    line.writerIndex(line.writerIndex() + at - start);
    line.writeByte('"').writeByte(']');
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  /**
   * Whether any of the eight bytes is a control character, a quote or a backslash (bytes of
   * characters beyond ASCII never are): the bit tricks that find a byte below a value or equal to
   * one, in all eight at once.
   */
  static boolean anyEscaped(long bytes) {
    long below = (bytes - 0x20 * ONES) & ~bytes & HIGHS;
    long quote = bytes ^ ('"' * ONES);
    long backslash = bytes ^ ('\\' * ONES);
    return (below | ((quote - ONES) & ~quote & HIGHS) | ((backslash - ONES) & ~backslash & HIGHS))
        != 0;
  }

  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

  /**
   * For each ASCII byte: 0 when it stands for itself in a JSON string, the letter of its short
   * escape (n for a newline), or -1 for the six-byte escape of its code; as Jackson's default
   * escapes.
   */
  private static final int[] ESCAPES = new int[128];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPES[c] = -1;
    }
    ESCAPES['"'] = '"';
    ESCAPES['\\'] = '\\';
    ESCAPES['\b'] = 'b';
    ESCAPES['\t'] = 't';
    ESCAPES['\n'] = 'n';
    ESCAPES['\f'] = 'f';
    ESCAPES['\r'] = 'r';
  }

  static String seconds(long micros) {
    String fraction = Long.toString(1_000_000 + micros % 1_000_000).substring(1);
    return micros / 1_000_000 + "." + fraction;
  }

  private interface Body {
    void writeTo(JsonGenerator json) throws IOException;
  }

  private static byte[] write(Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      body.writeTo(json);
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory", e);
    }
    return bytes.toByteArray();
  }
}
