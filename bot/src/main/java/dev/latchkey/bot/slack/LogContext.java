package dev.latchkey.bot.slack;

import dev.latchkey.core.RequestId;
import org.slf4j.MDC;

/** Puts the request id on every log line written while work about that request runs (JSON field request_id). */
final class LogContext {
  static final String REQUEST_ID = "request_id";

  private LogContext() {}

  static MDC.MDCCloseable request(RequestId id) {
    return MDC.putCloseable(REQUEST_ID, id.value());
  }
}
