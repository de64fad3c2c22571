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
 * Writes each audit event as one JSON object a line: the canonical fields ({@code action}, {@code
 * actor}, {@code at}, {@code customer}, {@code details}, {@code request_id}, {@code result}, {@code
 * seq}) plus {@code prev_hash} and {@code hash}, keys sorted. Each batch is written and flushed
 * together.
 */
public final class JsonLinesAuditSink implements AuditSink {
  private final OutputStream out;
  private final boolean owned;
  private final String name;

  /**
   * Writes to a stream the caller owns, under {@code name}: {@link #close()} flushes it but leaves
   * it open.
   */
  public JsonLinesAuditSink(String name, OutputStream out) {
    this(Objects.requireNonNull(out, "out"), false, Objects.requireNonNull(name, "name"));
  }

  /**
   * Appends to a file, creating it and its parent folders when missing. Named {@code file:} and the
   * absolute path, so processes that share the database and the file (a shared volume) share its
   * progress and never write an event twice; processes with a file each at the same path share the
   * events between their files instead.
   */
  public JsonLinesAuditSink(Path file) throws IOException {
    this(open(file), true, "file:" + file.toAbsolutePath().normalize());
  }

  private JsonLinesAuditSink(OutputStream out, boolean owned, String name) {
    this.out = out;
    this.owned = owned;
    this.name = name;
  }

  /**
   * Standard output, the default sink, named {@code stdout}. With several processes on one database
   * each event is written to the standard output of one of them: a log pipeline that collects them
   * all sees each event once.
   */
  public static JsonLinesAuditSink stdout() {
    PrintStream stdout = System.out;
    return new JsonLinesAuditSink(stdout, false, "stdout");
  }

  @Override
  public String name() {
    return name;
  }

  /** The line for one event, without the line break. */
  public static String line(StoredAuditEvent event) {
    return AuditJson.line(event);
  }

  @Override
  public synchronized void write(List<AuditLine> events) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (AuditLine event : events) {
      lines.append(event.json()).append('\n');
    }
    out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    // A PrintStream (System.out) never throws: a closed pipe or a full disk only sets a flag.
    // Unchecked, the
    // forwarder would count these events as delivered.
    if (out instanceof PrintStream printing && printing.checkError()) {
      throw new IOException(name + " could not be written (closed pipe or full disk?)");
    }
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
    return "audit JSON lines to " + name;
  }

  private static OutputStream open(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    return Files.newOutputStream(
        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }
}
