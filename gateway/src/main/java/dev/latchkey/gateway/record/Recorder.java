package dev.latchkey.gateway.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.latchkey.core.session.StreamSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Turns what a terminal stream carries (keystrokes, output, resizes, the status) into an asciicast
 * v2 recording: the header, then timed events.
 *
 * <p>The header holds the terminal's size, which a tty stream sends in its first resize message,
 * just after it opens; until then (at most {@value #HOLD_MILLIS} ms or {@value #HOLD_BYTES} bytes)
 * events wait, then 80×24 is assumed and later sizes become {@code "r"} events.
 */
final class Recorder {
  static final int DEFAULT_WIDTH = 80;
  static final int DEFAULT_HEIGHT = 24;
  // kubectl sends the size once its streams are set up: over SPDY that took 1.5 s on a busy
  // machine (one stream after another), so the wait is generous; a crash in it loses the wait.
  static final long HOLD_MILLIS = 5000;
  static final int HOLD_BYTES = 16 * 1024;
  private static final int RESIZE_MESSAGE_LIMIT = 1024;

  /**
   * The most bytes of text one event holds: its JSON (at most six bytes a byte, for an escaped
   * control character) stays well within a stored part, so a large read becomes several events.
   */
  static final int EVENT_BYTES = 8 * 1024;

  private static final int TITLE_LIMIT = 512;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CastWriter writer;
  private final LongSupplier nanoTicker;
  private final long startNanos;
  private final long timestamp;
  private final String title;
  private final boolean tty;
  private final Utf8Stream stdin = new Utf8Stream();
  private final Utf8Stream stdout = new Utf8Stream();
  private final Utf8Stream stderr = new Utf8Stream();
  private final Utf8Stream status = new Utf8Stream();
  private final ByteArrayOutputStream resizeMessage = new ByteArrayOutputStream();
  private final List<byte[]> held = new ArrayList<>();
  // One event line at a time, reused: a busy terminal writes thousands.
  private final ByteBuf eventLine = Unpooled.buffer(1024);
  private int heldBytes;
  private boolean headerWritten;
  private long lastMicros;

  Recorder(StreamSession session, CastWriter writer, LongSupplier nanoTicker, Clock clock) {
    this.writer = writer;
    this.nanoTicker = nanoTicker;
    this.startNanos = nanoTicker.getAsLong();
    this.timestamp = clock.instant().getEpochSecond();
    this.title = title(session);
    this.tty = session.tty();
  }

  static String title(StreamSession session) {
    StringBuilder title =
        new StringBuilder(session.kind().name().toLowerCase(Locale.ROOT))
            .append(' ')
            .append(session.namespace())
            .append('/')
            .append(session.pod());
    session.container().ifPresent(c -> title.append(" (").append(c).append(')'));
    if (!session.command().isEmpty()) {
      title.append(": ").append(String.join(" ", session.command()));
    }
    return title.length() <= TITLE_LIMIT ? title.toString() : title.substring(0, TITLE_LIMIT) + "…";
  }

  void stdin(ByteBuf bytes) {
    text("i", stdin.decode(bytes));
  }

  void stdout(ByteBuf bytes) {
    text("o", stdout.decode(bytes));
  }

  void stderr(ByteBuf bytes) {
    text("o", stderr.decode(bytes));
  }

  /** The error channel: how the command ended (a Kubernetes Status), kept as a marker. */
  void status(ByteBuf bytes) {
    text("m", status.decode(bytes));
  }

  /**
   * Bytes of the resize channel: JSON objects {@code {"Width":…,"Height":…}}, one after another.
   */
  void resize(ByteBuf bytes) {
    resizeMessage.writeBytes(ByteBufUtil.getBytes(bytes));
    byte[] buffered = resizeMessage.toByteArray();
    int start = 0;
    for (int i = 0; i < buffered.length; i++) {
      if (buffered[i] == '}') {
        terminalSize(buffered, start, i + 1 - start);
        start = i + 1;
      }
    }
    resizeMessage.reset();
    resizeMessage.write(buffered, start, buffered.length - start);
    if (resizeMessage.size() > RESIZE_MESSAGE_LIMIT) {
      throw new RecordingFailedException("a resize message is longer than expected", null);
    }
  }

  private void terminalSize(byte[] bytes, int offset, int length) {
    JsonNode size;
    try {
      size = JSON.readTree(bytes, offset, length);
    } catch (IOException e) {
      throw new RecordingFailedException("a resize message is not JSON", e);
    }
    int width = dimension(size, "Width");
    int height = dimension(size, "Height");
    if (width == 0 || height == 0) {
      return; // a client that does not know its size yet; nothing to show
    }
    if (!headerWritten) {
      writeHeader(width, height);
    } else {
      event("r", width + "x" + height);
    }
  }

  private static int dimension(JsonNode size, String name) {
    JsonNode value = size == null ? null : size.get(name);
    if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
      throw new RecordingFailedException("a resize message has no " + name, null);
    }
    int dimension = value.intValue();
    if (dimension < 0 || dimension > 0xFFFF) {
      throw new RecordingFailedException("a resize message has a bad " + name, null);
    }
    return dimension;
  }

  /** A line the gateway itself shows on the terminal (why the session ends). */
  void line(String text) {
    event("o", "\r\n" + text + "\r\n");
  }

  private void event(String code, String data) {
    byte[] utf8 = data.getBytes(StandardCharsets.UTF_8);
    text(code, new Utf8Stream.Text(utf8, 0, utf8.length));
  }

  /** One event per {@link #EVENT_BYTES} of text or less, each split between two characters. */
  private void text(String code, Utf8Stream.Text text) {
    if (text.isEmpty()) {
      return;
    }
    // The ticker is monotonic, but a recording's times must never go back even if it were not.
    long micros = Math.max(lastMicros, (nanoTicker.getAsLong() - startNanos) / 1000);
    lastMicros = micros;
    byte[] utf8 = text.bytes();
    int from = text.from();
    while (from < text.to()) {
      int to = Math.min(text.to(), from + EVENT_BYTES);
      while (to < text.to() && (utf8[to] & 0xC0) == 0x80) {
        to--; // not inside a character
      }
      eventLine.clear();
      CastJson.appendEvent(eventLine, micros, code, utf8, from, to);
      if (headerWritten) {
        writer.line(eventLine.array(), eventLine.arrayOffset(), eventLine.readableBytes());
      } else {
        byte[] copy = ByteBufUtil.getBytes(eventLine);
        held.add(copy);
        heldBytes += copy.length;
      }
      from = to;
    }
  }

  private void writeHeader(int width, int height) {
    writer.line(
        CastJson.header(
            width, height, timestamp, title, tty ? Optional.of("xterm") : Optional.empty()));
    headerWritten = true;
    held.forEach(writer::line);
    held.clear();
    heldBytes = 0;
  }

  /**
   * Queues what the last read produced for the store, so a crash loses at most the latest moments;
   * a terminal's lines wait for its size (at most {@link #HOLD_BYTES} or {@link #HOLD_MILLIS}).
   */
  void endOfRead() {
    if (!headerWritten
        && (!tty
            || heldBytes >= HOLD_BYTES
            || nanoTicker.getAsLong() - startNanos >= HOLD_MILLIS * 1_000_000)) {
      writeHeader(DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }
  }

  /** How many lines were ever queued for the store (see {@link CastWriter#queued}). */
  long queued() {
    return writer.queued();
  }

  /** The mark of the lines stored so far. */
  long stored() {
    return writer.stored();
  }

  /** Stores what is queued; blocking, so called off the stream's thread. */
  long store() {
    return writer.store();
  }

  Optional<RecordingFailedException> storeFailure() {
    return writer.failure();
  }

  /** Ends the recording's text: what is still held or undecoded becomes its last lines. */
  void end() {
    if (writer.failure().isEmpty()) {
      event("i", stdin.end());
      event("o", stdout.end());
      event("o", stderr.end());
      event("m", status.end());
      if (!headerWritten) {
        writeHeader(DEFAULT_WIDTH, DEFAULT_HEIGHT);
      }
    }
  }

  /**
   * Stores the last lines if it can, and says exactly what the sink took: the recording's summary.
   */
  StreamTap.RecordingSummary finish() {
    if (writer.failure().isEmpty()) {
      try {
        writer.store();
      } catch (RecordingFailedException e) {
        // The summary below covers what was stored; the session is over either way.
      }
    }
    return writer.summary();
  }
}
