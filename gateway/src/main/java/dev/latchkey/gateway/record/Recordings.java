package dev.latchkey.gateway.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads a stored recording (asciicast v2) back: what was typed, how long, how big. */
public final class Recordings {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Recordings() {}

  /**
   * What a recording shows at a glance.
   *
   * @param commands the input lines, rebuilt from the keystrokes as a shell's line editor would
   *     (Enter ends a line, backspace deletes, Ctrl-U and Ctrl-C drop the line, cursor and other
   *     escape sequences are left out), blank lines omitted, a last line without Enter included
   * @param duration the time of the last event
   * @param bytes the recording's size
   */
  public record Summary(List<String> commands, Duration duration, long bytes) {
    public Summary {
      commands = List.copyOf(commands);
    }
  }

  /** Reads {@code cast}; throws {@link IllegalArgumentException} when it is not asciicast v2. */
  public static Summary summary(byte[] cast) {
    String[] lines = new String(cast, StandardCharsets.UTF_8).split("\n");
    JsonNode header = parse(lines[0], 1);
    if (!header.isObject() || header.path("version").asInt() != 2) {
      throw new IllegalArgumentException("not an asciicast v2 recording: no v2 header");
    }
    LineEditor typed = new LineEditor();
    BigDecimal last = BigDecimal.ZERO;
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      JsonNode event = parse(lines[i], i + 1);
      if (!event.isArray()
          || event.size() != 3
          || !event.get(0).isNumber()
          || !event.get(1).isTextual()
          || !event.get(2).isTextual()) {
        throw new IllegalArgumentException(
            "not an asciicast v2 recording: line " + (i + 1) + " is not an event");
      }
      last = last.max(event.get(0).decimalValue());
      if (event.get(1).asText().equals("i")) {
        typed.type(event.get(2).asText());
      }
    }
    Duration duration =
        Duration.ofNanos(
            last.movePointRight(9).setScale(0, java.math.RoundingMode.DOWN).longValue());
    return new Summary(typed.end(), duration, cast.length);
  }

  private static JsonNode parse(String line, int number) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "not an asciicast v2 recording: line " + number + " is not JSON", e);
    }
  }

  /** The few keys of a terminal's line editing that change what a typed line says. */
  private static final class LineEditor {
    private final List<String> lines = new ArrayList<>();
    private final StringBuilder line = new StringBuilder();
    private boolean afterCarriageReturn;
    private int escape; // 0 none, 1 after ESC, 2 in a control sequence (ESC [), 3 one more (ESC O)

    void type(String keys) {
      keys.codePoints().forEach(this::key);
    }

    private void key(int c) {
      boolean carriageReturn = afterCarriageReturn;
      afterCarriageReturn = false;
      if (escape == 1) {
        escape = c == '[' ? 2 : c == 'O' ? 3 : 0;
        return;
      }
      if (escape == 2) {
        escape = c >= 0x40 && c <= 0x7E ? 0 : 2;
        return;
      }
      if (escape == 3) {
        escape = 0;
        return;
      }
      switch (c) {
        case 0x1B -> escape = 1;
        case '\r' -> {
          endLine();
          afterCarriageReturn = true;
        }
        case '\n' -> {
          if (!carriageReturn) {
            endLine();
          }
        }
        case 0x08, 0x7F -> {
          if (!line.isEmpty()) {
            line.setLength(line.offsetByCodePoints(line.length(), -1));
          }
        }
        case 0x03, 0x15 -> line.setLength(0);
        case 0x17 -> {
          int end = line.length();
          while (end > 0 && line.charAt(end - 1) == ' ') {
            end--;
          }
          while (end > 0 && line.charAt(end - 1) != ' ') {
            end--;
          }
          line.setLength(end);
        }
        default -> {
          if (c >= 0x20 || c == '\t') {
            line.appendCodePoint(c);
          }
        }
      }
    }

    private void endLine() {
      if (!line.toString().isBlank()) {
        lines.add(line.toString());
      }
      line.setLength(0);
    }

    List<String> end() {
      endLine();
      return lines;
    }
  }
}
