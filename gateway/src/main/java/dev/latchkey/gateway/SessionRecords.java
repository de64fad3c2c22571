package dev.latchkey.gateway;

import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.gateway.record.StreamTap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream's session in the records: recorded as started, and its recorder opened, before any
 * byte passes; recorded as ended once, with its recording's summary and its request's session-log
 * line. Both run on the workers, never on an event loop.
 */
final class SessionRecords {
  private static final Logger log = LoggerFactory.getLogger(SessionRecords.class);

  /** What opening the session came to: the tap, or nothing (the stream is refused). */
  record Opening(boolean recorded, Optional<StreamTap> tap) {}

  private final GatewayContext gw;
  private final StreamSession session;
  private final Exchange exchange;

  SessionRecords(GatewayContext gw, StreamSession session, Exchange exchange) {
    this.gw = gw;
    this.session = session;
    this.exchange = exchange;
  }

  StreamSession session() {
    return session;
  }

  /** Records the session as started and opens its recorder; the future never fails. */
  CompletableFuture<Opening> open(String transport, String subprotocol) {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                gw.services.openSession().open(session);
              } catch (RuntimeException e) {
                log.warn(
                    "session {} of {} not started: {}",
                    session.id(),
                    session.requestId(),
                    e.toString());
                return new Opening(false, Optional.empty());
              }
              gw.sessions.opened();
              try {
                return new Opening(
                    true, Optional.of(gw.services.taps().open(session, transport, subprotocol)));
              } catch (RuntimeException e) {
                log.warn(
                    "session {}: its recording could not start: {}", session.id(), e.toString());
                return new Opening(true, Optional.empty());
              }
            },
            gw.workers)
        .exceptionally(e -> new Opening(false, Optional.empty()));
  }

  /**
   * Finishes the recording and records the session's end.
   *
   * @param in bytes passed from the client
   * @param out bytes passed from the API server
   * @param tap the recorder, when it opened
   * @param opened whether the session was recorded as started
   */
  void ended(SessionEnd.Cause cause, long in, long out, StreamTap tap, boolean opened) {
    long endNanos = gw.nanos();
    Runnable task =
        () -> {
          SessionEnd.Cause why = cause;
          StreamTap.RecordingSummary summary = new StreamTap.RecordingSummary(0, Optional.empty());
          if (tap != null) {
            try {
              summary = tap.finish();
            } catch (RuntimeException e) {
              log.warn(
                  "session {}: its recording could not be finished: {}",
                  session.id(),
                  e.toString());
              why = SessionEnd.Cause.RECORDING_FAILED;
            }
          }
          try {
            gw.services
                .closeSession()
                .close(
                    session,
                    new SessionEnd(
                        gw.services.clock().instant(),
                        why,
                        in,
                        out,
                        summary.bytes(),
                        summary.sha256()));
          } catch (RuntimeException e) {
            log.error(
                "session {} of {}: its end could not be recorded: {}",
                session.id(),
                session.requestId(),
                e.toString());
          } finally {
            if (opened) {
              gw.sessions.closed();
            }
          }
          exchange
              .line(
                  Optional.of(session.requestId()),
                  101,
                  in + out,
                  endNanos,
                  Optional.empty(),
                  Optional.of(session.id()))
              .ifPresent(gw.activity::add);
        };
    try {
      gw.workers.execute(task);
    } catch (RejectedExecutionException e) {
      CompletableFuture.runAsync(task);
    }
  }
}
