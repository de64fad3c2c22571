package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Event lines written straight from UTF-8 bytes read back, with Jackson, as the event given; within
 * the BMP they are byte for byte what Jackson writes (beyond it Jackson writes a surrogate pair as
 * two escapes, these lines the character's own four bytes).
 */
class CastJsonTest {
  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String ALPHABET =
      "aZ09 \"\\/\u0000\u0001\u0008\t\n\u000b\f\r\u001b\u001f\u007f\u0080é€\u2028\u2029\uFFFD";

  @Test
  void everyEscapeAndEveryKindOfCharacterMatchesJackson() throws IOException {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x80; c++) {
      all.append(c);
    }
    all.append("é€\u2028\uFFFD");
    assertSame(12_345_678L, "o", all.toString());
    assertSame(12_345_678L, "o", all + "\uD83D\uDE00");
  }

  @Test
  void randomTextMatchesJackson() throws IOException {
    Random random = new Random(20261207);
    for (int n = 0; n < 2_000; n++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(64);
      for (int i = 0; i < length; i++) {
        if (random.nextInt(10) == 0) {
          text.appendCodePoint(0x10000 + random.nextInt(0x100000)); // outside the BMP
        } else {
          text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
      }
      assertSame(random.nextLong(0, 10_000_000_000L), n % 2 == 0 ? "o" : "i", text.toString());
    }
  }

  @Test
  void appendsToWhatTheLineAlreadyHoldsAndGrowsIt() throws IOException {
    ByteBuf line = Unpooled.buffer(4, 1 << 20);
    line.writeCharSequence("kept", StandardCharsets.US_ASCII);
    byte[] text = "\u0000".repeat(1000).getBytes(StandardCharsets.UTF_8);
    CastJson.appendEvent(line, 1, "o", text, 0, text.length);
    assertThat(line.toString(StandardCharsets.UTF_8))
        .isEqualTo("kept" + jackson(1, "o", "\u0000".repeat(1000)));
  }

  private static void assertSame(long micros, String code, String text) throws IOException {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    byte[] padded = new byte[utf8.length + 6];
    System.arraycopy(utf8, 0, padded, 3, utf8.length);
    ByteBuf line = Unpooled.buffer(8);
    CastJson.appendEvent(line, micros, code, padded, 3, 3 + utf8.length);
    String written = new String(ByteBufUtil.getBytes(line), StandardCharsets.UTF_8);
    JsonNode event = MAPPER.readTree(written);
    assertThat(event.get(0).decimalValue()).isEqualByComparingTo(CastJson.seconds(micros));
    assertThat(event.get(1).asText()).isEqualTo(code);
    assertThat(event.get(2).asText()).as("%s", text).isEqualTo(text);
    if (text.codePoints().allMatch(Character::isBmpCodePoint)) {
      assertThat(written).as("%s", text).isEqualTo(jackson(micros, code, text));
    }
  }

  private static String jackson(long micros, String code, String text) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartArray();
      json.writeNumber(CastJson.seconds(micros));
      json.writeString(code);
      json.writeString(text);
      json.writeEndArray();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void eightBytesAtATimeFindEveryByteThatNeedsAnEscapeAndNoOther() {
    for (int position = 0; position < 8; position++) {
      for (int value = 0; value < 256; value++) {
        byte[] block = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
        block[position] = (byte) value;
        boolean escaped = value < 0x20 || value == '"' || value == '\\';
        assertThat(
                CastJson.anyEscaped(
                    ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).getLong()))
            .as("byte %d at %d", value, position)
            .isEqualTo(escaped);
      }
    }
    Random random = new Random(7);
    for (int n = 0; n < 100_000; n++) {
      long bytes = random.nextLong();
      boolean escaped = false;
      for (int k = 0; k < 8; k++) {
        int b = (int) (bytes >>> (8 * k)) & 0xFF;
        escaped |= b < 0x20 || b == '"' || b == '\\';
      }
      assertThat(CastJson.anyEscaped(bytes)).as("%x", bytes).isEqualTo(escaped);
    }
  }
}
