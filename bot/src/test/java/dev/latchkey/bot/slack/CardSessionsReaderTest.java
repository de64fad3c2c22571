package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.InMemoryAuditLog;
import dev.latchkey.core.testing.InMemorySessionStore;
import dev.latchkey.core.testing.RecordingNotifier;
import dev.latchkey.core.testing.SessionRig;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a card reads of sessions, and what it does not read. */
class CardSessionsReaderTest {
  private final InMemorySessionStore memory = new InMemorySessionStore(new InMemoryAuditLog());
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicInteger recordingReads = new AtomicInteger();
  private final CardSessionsReader reader = new CardSessionsReader(counting());
  private final AccessRequest active =
      RequestCardTest.active().withCredentials(CredentialMode.GATEWAY);
  private int next;

  private StreamSession open(StreamKind kind) {
    next++;
    StreamSession s =
        new StreamSession(
            new SessionId("gs-00000000000" + next),
            active.id(),
            active.cluster(),
            kind,
            "web",
            "api-" + next,
            Optional.empty(),
            List.of("sh"),
            true,
            RequestCardTest.T0.plusSeconds(next));
    new OpenSession(memory, new RecordingNotifier()).open(s);
    return s;
  }

  private void end(StreamSession s, byte[] cast, long claimedBytes) {
    memory.appendRecording(s.id(), 0, cast);
    new CloseSession(memory, new RecordingNotifier())
        .close(
            s,
            new SessionEnd(
                RequestCardTest.T0.plusSeconds(600),
                SessionEnd.Cause.REVOKED,
                1,
                1,
                claimedBytes,
                Optional.of(SessionRig.sha256(cast))));
  }

  @Test
  void whileActiveOnlyOpenSessionsAreReadAndOnceEndedEverythingIsCounted() {
    StreamSession first = open(StreamKind.EXEC);
    StreamSession second = open(StreamKind.EXEC);
    byte[] cast = SessionRig.cast("ls", "cat x", "exit");
    end(first, cast, cast.length);

    assertThat(reader.read(active)).isEqualTo(new CardSessions(List.of(second), Optional.empty()));
    assertThat(recordingReads).hasValue(0);

    StreamSession big = open(StreamKind.ATTACH);
    end(big, SessionRig.cast("never read"), CardSessionsReader.MAX_COUNTED_BYTES + 1);
    AccessRequest revoked =
        active
            .withState(RequestState.REVOKED)
            .withEnd(RequestCardTest.T0.plusSeconds(600), Fixtures.APPROVER);
    CardSessions ended = reader.read(revoked);
    assertThat(ended.open()).containsExactly(second);
    assertThat(ended.summary()).contains(new CardSessions.Summary(3, 3, 1, 0, 0));
    assertThat(recordingReads).as("only the counted recording").hasValue(1);

    reader.read(revoked);
    assertThat(recordingReads).as("an ended recording is read once").hasValue(1);
  }

  @Test
  void requestsOutsideTheGatewayCostNoRead() {
    for (AccessRequest r :
        List.of(
            RequestCardTest.active(),
            RequestCardTest.pending().withCredentials(CredentialMode.GATEWAY),
            active.withState(RequestState.DENIED).withGrantedAt(Optional.empty()))) {
      assertThat(reader.read(r)).isEqualTo(CardSessions.NONE);
    }
    assertThat(reads).hasValue(0);
  }

  /** The in-memory store, counting reads. */
  private SessionStore counting() {
    return new SessionStore() {
      @Override
      public void log(List<ActivityLine> lines) {
        memory.log(lines);
      }

      @Override
      public void open(StreamSession session, AuditEvent started) {
        memory.open(session, started);
      }

      @Override
      public void appendRecording(SessionId id, long sequence, byte[] part) {
        memory.appendRecording(id, sequence, part);
      }

      @Override
      public void close(SessionId id, SessionEnd end, AuditEvent ended) {
        memory.close(id, end, ended);
      }

      @Override
      public List<ActivityLine> activity(RequestId id, int limit) {
        reads.incrementAndGet();
        return memory.activity(id, limit);
      }

      @Override
      public List<SessionRecord> sessions(RequestId id) {
        reads.incrementAndGet();
        return memory.sessions(id);
      }

      @Override
      public Optional<byte[]> recording(SessionId id) {
        reads.incrementAndGet();
        recordingReads.incrementAndGet();
        return memory.recording(id);
      }

      @Override
      public Optional<SessionRecord> session(SessionId id) {
        reads.incrementAndGet();
        return memory.session(id);
      }

      @Override
      public List<LogCount> logCounts(RequestId id) {
        reads.incrementAndGet();
        return memory.logCounts(id);
      }
    };
  }
}
