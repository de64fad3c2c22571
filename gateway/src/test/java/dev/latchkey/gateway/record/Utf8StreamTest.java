package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Text decoded piece by piece is the text of all the bytes at once, as the JDK decodes it: split
 * characters kept whole, every byte that is not UTF-8 a U+FFFD where the JDK puts one.
 */
class Utf8StreamTest {

  @Test
  void wellFormedTextPassesAsItsOwnBytes() {
    Utf8Stream stream = new Utf8Stream();
    byte[] bytes = "plain é € \uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
    Utf8Stream.Text text = stream.decode(Unpooled.wrappedBuffer(bytes));
    assertThat(Arrays.copyOfRange(text.bytes(), text.from(), text.to())).isEqualTo(bytes);
    assertThat(stream.end()).isEmpty();
  }

  @Test
  void aCharacterSplitAcrossPiecesIsKeptWhole() {
    Utf8Stream stream = new Utf8Stream();
    byte[] emoji = "\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
    StringBuilder decoded = new StringBuilder();
    for (byte b : emoji) {
      decoded.append(string(stream.decode(Unpooled.wrappedBuffer(new byte[] {b}))));
    }
    assertThat(decoded.toString()).isEqualTo("\uD83D\uDE00");
  }

  @Test
  void surrogatesOverlongFormsAndTooLargeCodePointsAreNotUtf8() {
    for (byte[] bad :
        new byte[][] {
          {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate
          {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
          {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
          {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0xAF},
          {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
          {(byte) 0xF5, 'a'},
          {(byte) 0x80, 'a'},
        }) {
      assertThat(Utf8Stream.wellFormedUpTo(bad, bad.length)).as(Arrays.toString(bad)).isZero();
      assertThat(inPieces(bad, new Random(1))).isEqualTo(jdk(bad));
    }
  }

  @Test
  void randomBytesInRandomPiecesDecodeAsTheJdkDecodesThemWhole() {
    Random random = new Random(20261207);
    byte[] valid = "aé€\uD83D\uDE00\n\"".getBytes(StandardCharsets.UTF_8);
    for (int n = 0; n < 3_000; n++) {
      byte[] bytes = new byte[random.nextInt(100)];
      for (int i = 0; i < bytes.length; i++) {
        // Mostly pieces of real characters, so sequences are often nearly right.
        bytes[i] =
            random.nextInt(4) == 0
                ? (byte) random.nextInt(256)
                : valid[random.nextInt(valid.length)];
      }
      assertThat(inPieces(bytes, random)).as(Arrays.toString(bytes)).isEqualTo(jdk(bytes));
    }
  }

  private static String inPieces(byte[] bytes, Random random) {
    Utf8Stream stream = new Utf8Stream();
    StringBuilder decoded = new StringBuilder();
    int at = 0;
    while (at < bytes.length) {
      int to = Math.min(bytes.length, at + 1 + random.nextInt(random.nextBoolean() ? 6 : 40));
      byte[] piece = Arrays.copyOfRange(bytes, at, to);
      // A piece as a slice inside a larger buffer, as a frame's payload lies in a read.
      byte[] around = new byte[piece.length + 2];
      System.arraycopy(piece, 0, around, 1, piece.length);
      decoded.append(string(stream.decode(Unpooled.wrappedBuffer(around).slice(1, piece.length))));
      at = to;
    }
    return decoded.append(stream.end()).toString();
  }

  private static String string(Utf8Stream.Text text) {
    return new String(text.bytes(), text.from(), text.to() - text.from(), StandardCharsets.UTF_8);
  }

  private static String jdk(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
