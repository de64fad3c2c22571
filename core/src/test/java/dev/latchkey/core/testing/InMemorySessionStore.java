package dev.latchkey.core.testing;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamSession;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's records in memory, writing its audit events to an {@link InMemoryAuditLog}; {@link
 * #failRecordings} makes every recording write throw, as a full or lost database would.
 */
public final class InMemorySessionStore implements SessionStore {
  private final InMemoryAuditLog audit;
  private final List<ActivityLine> lines = new ArrayList<>();
  private final Map<SessionId, StreamSession> opened = new LinkedHashMap<>();
  private final Map<SessionId, SessionEnd> ended = new LinkedHashMap<>();
  private final Map<SessionId, ByteArrayOutputStream> recordings = new LinkedHashMap<>();
  private final Map<SessionId, Long> lastPart = new LinkedHashMap<>();
  private volatile boolean failRecordings;

  public InMemorySessionStore(InMemoryAuditLog audit) {
    this.audit = audit;
  }

  public void failRecordings(boolean fail) {
    this.failRecordings = fail;
  }

  @Override
  public synchronized void log(List<ActivityLine> batch) {
    lines.addAll(batch);
  }

  @Override
  public synchronized void open(StreamSession session, AuditEvent started) {
    if (opened.putIfAbsent(session.id(), session) == null) {
      recordings.put(session.id(), new ByteArrayOutputStream());
      audit.append(started);
    }
  }

  @Override
  public synchronized void appendRecording(SessionId id, long sequence, byte[] part) {
    if (failRecordings) {
      throw new IllegalStateException("recording store refused the write (test)");
    }
    ByteArrayOutputStream out = recordings.get(id);
    if (out == null || ended.containsKey(id)) {
      throw new IllegalStateException("no open session " + id);
    }
    if (part.length > MAX_PART_BYTES || sequence <= lastPart.getOrDefault(id, -1L)) {
      throw new IllegalArgumentException("part " + sequence + " is too large or out of order");
    }
    lastPart.put(id, sequence);
    out.writeBytes(part);
  }

  @Override
  public synchronized void close(SessionId id, SessionEnd end, AuditEvent endedEvent) {
    if (opened.containsKey(id) && ended.putIfAbsent(id, end) == null) {
      audit.append(endedEvent);
    }
  }

  @Override
  public synchronized List<ActivityLine> activity(RequestId id, int limit) {
    return lines.reversed().stream().filter(l -> l.requestId().equals(id)).limit(limit).toList();
  }

  @Override
  public synchronized List<SessionRecord> sessions(RequestId id) {
    return opened.values().stream()
        .filter(s -> s.requestId().equals(id))
        .map(s -> new SessionRecord(s, Optional.ofNullable(ended.get(s.id()))))
        .toList();
  }

  @Override
  public synchronized Optional<byte[]> recording(SessionId id) {
    return Optional.ofNullable(recordings.get(id)).map(ByteArrayOutputStream::toByteArray);
  }

  @Override
  public synchronized Optional<SessionRecord> session(SessionId id) {
    return Optional.ofNullable(opened.get(id))
        .map(s -> new SessionRecord(s, Optional.ofNullable(ended.get(id))));
  }

  @Override
  public synchronized List<LogCount> logCounts(RequestId id) {
    Map<List<Object>, Long> groups = new LinkedHashMap<>();
    for (ActivityLine l : lines) {
      if (l.requestId().equals(id)) {
        groups.merge(
            List.of(l.verb(), l.resource(), l.subresource(), l.status(), l.refusal().isPresent()),
            1L,
            Long::sum);
      }
    }
    List<LogCount> out = new ArrayList<>();
    groups.forEach(
        (k, n) ->
            out.add(
                new LogCount(
                    (String) k.get(0),
                    (String) k.get(1),
                    castOptional(k.get(2)),
                    (Integer) k.get(3),
                    (Boolean) k.get(4),
                    n)));
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Optional<String> castOptional(Object o) {
    return (Optional<String>) o;
  }

  /** Replaces a stored part of a recording, as someone with access to the database could. */
  public synchronized void tamper(SessionId id, byte[] content) {
    ByteArrayOutputStream replaced = new ByteArrayOutputStream();
    replaced.writeBytes(content);
    recordings.put(id, replaced);
  }

  public synchronized List<ActivityLine> lines() {
    return List.copyOf(lines);
  }
}
