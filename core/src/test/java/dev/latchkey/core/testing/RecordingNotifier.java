package dev.latchkey.core.testing;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.Notifier;
import java.util.ArrayList;
import java.util.List;

/** Remembers what people would have been told. */
public final class RecordingNotifier implements Notifier {
  public record Note(String kind, AccessRequest request) {}

  private final List<Note> notes = new ArrayList<>();
  private final List<RequestId> sessionChanges = new ArrayList<>();

  @Override
  public synchronized void requestChanged(AccessRequest request, AuditEvent cause) {
    notes.add(new Note(cause.action().eventName(), request));
  }

  @Override
  public synchronized void expiringSoon(AccessRequest request) {
    notes.add(new Note("expiring_soon", request));
  }

  @Override
  public synchronized void revocationOverdue(AccessRequest request) {
    notes.add(new Note("revocation_overdue", request));
  }

  @Override
  public synchronized void sessionsChanged(RequestId id) {
    sessionChanges.add(id);
  }

  /** The grants whose sessions changed, once per call, in order. */
  public synchronized List<RequestId> sessionChanges() {
    return List.copyOf(sessionChanges);
  }

  public synchronized List<Note> notes() {
    return List.copyOf(notes);
  }

  public synchronized List<String> kinds() {
    return notes.stream().map(Note::kind).toList();
  }
}
