package dev.latchkey.storage;

import java.io.IOException;
import java.util.List;

/**
 * Where committed audit events are forwarded (the operator's log pipeline). Forwarding reads the
 * events from the database in sequence order after they have committed, and is at-least-once: each
 * sink's progress is kept in the database under its {@link #name()}, a failing sink is retried
 * until it succeeds, and events a sink did not confirm (it threw, or the process died between
 * writing and recording progress) are written to it again. Every line carries {@code seq} and
 * {@code hash}, so a consumer can drop repeats.
 *
 * <p>A sink never decides anything: a failure never undoes or blocks a change.
 */
public interface AuditSink extends AutoCloseable {

  /**
   * Names the destination, stably across restarts and processes: progress is kept per name.
   * Processes sharing a database and using the same name share one progress, so each event goes to
   * one of them.
   */
  String name();

  /**
   * Writes {@code lines} in order, consecutive in sequence; returns only once they are written.
   * Called from one thread at a time.
   */
  void write(List<AuditLine> lines) throws IOException;

  @Override
  default void close() throws IOException {}
}
