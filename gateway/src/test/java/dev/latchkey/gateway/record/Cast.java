package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A recording read back and checked against asciicast v2: every line is JSON, the header object
 * comes first, then {@code [time, code, data]} events whose times never go back.
 */
record Cast(JsonNode header, List<Event> events) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> CODES = Set.of("o", "i", "r", "m");

  record Event(BigDecimal time, String code, String data) {}

  static Cast parse(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(text).as("a recording ends each line, the last too").endsWith("\n");
    String[] lines = text.split("\n", -1);
    JsonNode header = json(lines[0]);
    assertThat(header.isObject()).as("the first line is the header object").isTrue();
    assertThat(header.get("version").asInt()).isEqualTo(2);
    assertThat(header.get("width").isInt()).isTrue();
    assertThat(header.get("width").asInt()).isPositive();
    assertThat(header.get("height").isInt()).isTrue();
    assertThat(header.get("height").asInt()).isPositive();
    assertThat(header.get("timestamp").isIntegralNumber()).isTrue();
    List<Event> events = new ArrayList<>();
    BigDecimal last = BigDecimal.ZERO;
    for (int i = 1; i < lines.length - 1; i++) {
      JsonNode event = json(lines[i]);
      assertThat(event.isArray() && event.size() == 3).as("line %d is an event", i + 1).isTrue();
      assertThat(event.get(0).isNumber()).isTrue();
      BigDecimal time = event.get(0).decimalValue();
      assertThat(time).as("times never go back").isGreaterThanOrEqualTo(last);
      last = time;
      String code = event.get(1).asText();
      assertThat(code).isIn(CODES);
      assertThat(event.get(2).isTextual()).isTrue();
      if (code.equals("r")) {
        assertThat(event.get(2).asText()).matches("[1-9][0-9]*x[1-9][0-9]*");
      }
      events.add(new Event(time, code, event.get(2).asText()));
    }
    assertThat(lines[lines.length - 1]).isEmpty();
    return new Cast(header, events);
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + line, e);
    }
  }

  /** Everything of one code, joined. */
  String text(String code) {
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.code().equals(code)).forEach(e -> text.append(e.data()));
    return text.toString();
  }

  /** The events without their times, neighbours of the same code joined: what any cut gives. */
  List<String> content() {
    List<String> content = new ArrayList<>();
    String code = null;
    StringBuilder data = new StringBuilder();
    for (Event event : events) {
      if (!event.code().equals(code) || event.code().equals("r")) {
        if (code != null) {
          content.add(code + ":" + data);
        }
        code = event.code();
        data.setLength(0);
      }
      data.append(event.data());
    }
    if (code != null) {
      content.add(code + ":" + data);
    }
    return content;
  }
}
