package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.port.SessionStore.SessionRecord;
import dev.latchkey.core.session.GrantSessions;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.gateway.record.Recordings;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what a card shows of a gateway-mode grant's sessions, and nothing for other requests (no
 * read at all): while access lasts one read of its sessions; once it has ended, also its requests
 * counted and the commands typed in each recording of at most {@link #MAX_COUNTED_BYTES}. A
 * recording never changes once its session has ended, so its count is read once and kept. A failed
 * read shows no sessions rather than holding the card back.
 */
final class CardSessionsReader {
  private static final Logger log = LoggerFactory.getLogger(CardSessionsReader.class);

  /**
   * The largest recording read to count its commands for a card: reading one holds it in memory
   * several times over, and a card is not worth a heap (a session's cap is 64 MiB by default).
   */
  static final long MAX_COUNTED_BYTES = 8L * 1024 * 1024;

  private final GrantSessions grants;
  private final SessionStore store;
  private final Cache<SessionId, Long> typed = Caffeine.newBuilder().maximumSize(20_000).build();

  CardSessionsReader(SessionStore store) {
    this.grants = new GrantSessions(store);
    this.store = store;
  }

  CardSessions read(AccessRequest r) {
    if (r.kind() != RequestKind.ACCESS || r.credentials() != CredentialMode.GATEWAY) {
      return CardSessions.NONE;
    }
    try {
      if (r.state() == RequestState.ACTIVE) {
        return new CardSessions(grants.open(r.id()), Optional.empty());
      }
      if (!r.state().isFinal() || r.grantedAt().isEmpty()) {
        return CardSessions.NONE;
      }
      GrantSessions.Summary summary = grants.summary(r.id());
      List<SessionRecord> sessions = summary.sessions();
      long commands = 0;
      int uncounted = 0;
      for (SessionRecord s : sessions) {
        if (!s.session().kind().recorded() || s.end().isEmpty()) {
          continue;
        }
        if (s.end().get().recordingBytes() > MAX_COUNTED_BYTES) {
          uncounted++;
        } else {
          commands += typedIn(s.session().id());
        }
      }
      return new CardSessions(
          sessions.stream().filter(s -> s.end().isEmpty()).map(SessionRecord::session).toList(),
          Optional.of(
              new CardSessions.Summary(
                  sessions.size(),
                  commands,
                  uncounted,
                  summary.requests().total(),
                  summary.requests().refused())));
    } catch (RuntimeException e) {
      log.warn("sessions of {} not read for its card: {}", r.id(), e.toString());
      return CardSessions.NONE;
    }
  }

  /** The lines typed in an ended session's recording (0 for one that cannot be read). */
  private long typedIn(SessionId id) {
    return typed.get(
        id,
        key -> {
          Optional<byte[]> cast = store.recording(key);
          if (cast.isEmpty() || cast.get().length == 0) {
            return 0L;
          }
          try {
            return (long) Recordings.summary(cast.get()).commands().size();
          } catch (IllegalArgumentException e) {
            log.warn("recording of {} is not asciicast v2: {}", key, e.getMessage());
            return 0L;
          }
        });
  }
}
