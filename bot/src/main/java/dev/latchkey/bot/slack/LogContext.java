package dev.latchkey.bot.slack;

import dev.latchkey.core.RequestId;
import org.slf4j.MDC;

/**
 * Puts the request id on every log line written while work about that request runs (JSON field
 * request_id). Contexts nest: closing one restores the id that was there before (a card sync for
 * one request inside a notice about another, a written decision inside a thread replay), instead of
 * leaving the rest of the outer work without an id.
 */
final class LogContext implements AutoCloseable {
  static final String REQUEST_ID = "request_id";

  private final String previous;

  private LogContext(String previous) {
    this.previous = previous;
  }

  static LogContext request(RequestId id) {
    String previous = MDC.get(REQUEST_ID);
    MDC.put(REQUEST_ID, id.value());
    return new LogContext(previous);
  }

  @Override
  public void close() {
    if (previous == null) {
      MDC.remove(REQUEST_ID);
    } else {
      MDC.put(REQUEST_ID, previous);
    }
  }
}
