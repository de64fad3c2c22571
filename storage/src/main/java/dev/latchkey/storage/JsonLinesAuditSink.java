package dev.latchkey.storage;

import dev.latchkey.core.StoredAuditEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * Writes each audit event as one JSON object a line: the canonical fields ({@code action}, {@code actor},
 * {@code at}, {@code customer}, {@code details}, {@code request_id}, {@code result}, {@code seq}) plus
 * {@code prev_hash} and {@code hash}, keys sorted. A transaction's events are written and flushed together.
 */
public final class JsonLinesAuditSink implements AuditSink {
  private final OutputStream out;
  private final boolean owned;
  private final String description;

  /** Writes to a stream the caller owns: {@link #close()} flushes it but leaves it open. */
  public JsonLinesAuditSink(OutputStream out) {
    this(Objects.requireNonNull(out, "out"), false, "stream");
  }

  /** Appends to a file, creating it and its parent folders when missing. */
  public JsonLinesAuditSink(Path file) throws IOException {
    this(open(file), true, "file " + file);
  }

  private JsonLinesAuditSink(OutputStream out, boolean owned, String description) {
    this.out = out;
    this.owned = owned;
    this.description = description;
  }

  /** Standard output, the default sink. */
  public static JsonLinesAuditSink stdout() {
    PrintStream stdout = System.out;
    return new JsonLinesAuditSink(stdout, false, "stdout");
  }

  /** The line for one event, without the line break. */
  public static String line(StoredAuditEvent event) {
    return AuditJson.line(event);
  }

  @Override
  public synchronized void write(List<StoredAuditEvent> events) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (StoredAuditEvent event : events) {
      lines.append(AuditJson.line(event)).append('\n');
    }
    out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    if (owned) {
      out.close();
    } else {
      out.flush();
    }
  }

  @Override
  public String toString() {
    return "audit JSON lines to " + description;
  }

  private static OutputStream open(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
  }
}
