package dev.latchkey.bench;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamSession;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The session store the gateway writes to, counting what the benchmarks report: the recording parts
 * stored (how many, how big, how long they took) and the session-log lines.
 */
final class TimedSessions implements SessionStore {
  private final SessionStore store;
  final LongAdder parts = new LongAdder();
  final LongAdder partBytes = new LongAdder();
  final LongAdder partNanos = new LongAdder();
  final LongAdder lines = new LongAdder();

  TimedSessions(SessionStore store) {
    this.store = store;
  }

  @Override
  public void log(List<ActivityLine> batch) {
    store.log(batch);
    lines.add(batch.size());
  }

  @Override
  public void open(StreamSession session, AuditEvent started) {
    store.open(session, started);
  }

  @Override
  public void appendRecording(SessionId id, long sequence, byte[] part) {
    long t0 = System.nanoTime();
    store.appendRecording(id, sequence, part);
    partNanos.add(System.nanoTime() - t0);
    parts.increment();
    partBytes.add(part.length);
  }

  @Override
  public void appendRecording(SessionId id, long firstSequence, List<byte[]> batch) {
    long t0 = System.nanoTime();
    store.appendRecording(id, firstSequence, batch);
    partNanos.add(System.nanoTime() - t0);
    for (byte[] part : batch) {
      parts.increment();
      partBytes.add(part.length);
    }
  }

  @Override
  public void close(SessionId id, SessionEnd end, AuditEvent ended) {
    store.close(id, end, ended);
  }

  @Override
  public List<ActivityLine> activity(RequestId id, int limit) {
    return store.activity(id, limit);
  }

  @Override
  public Optional<SessionRecord> session(SessionId id) {
    return store.session(id);
  }

  @Override
  public List<LogCount> logCounts(RequestId id) {
    return store.logCounts(id);
  }

  @Override
  public List<SessionRecord> sessions(RequestId id) {
    return store.sessions(id);
  }

  @Override
  public Optional<byte[]> recording(SessionId id) {
    return store.recording(id);
  }
}
