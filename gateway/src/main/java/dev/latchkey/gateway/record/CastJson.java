package dev.latchkey.gateway.record;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

  /** An event {@code micros} after the start, the time written in seconds to the microsecond. */
  static byte[] event(long micros, String code, String data) {
    return write(
        json -> {
          json.writeStartArray();
          json.writeNumber(seconds(micros));
          json.writeString(code);
          json.writeString(data);
          json.writeEndArray();
        });
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
