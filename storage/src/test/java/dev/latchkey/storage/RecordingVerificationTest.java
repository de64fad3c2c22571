package dev.latchkey.storage;

import static dev.latchkey.storage.SessionData.ended;
import static dev.latchkey.storage.SessionData.exec;
import static dev.latchkey.storage.SessionData.grant;
import static dev.latchkey.storage.SessionData.portForward;
import static dev.latchkey.storage.SessionData.sessionId;
import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.core.testing.RecordingNotifier;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verifying the audit chain also checks every recording against the SHA-256 its {@code
 * session.ended} event holds: a recording changed behind Latchkey's back shows as a broken link at
 * that event, both in a running Latchkey and in {@code verify-audit}.
 */
class RecordingVerificationTest extends EngineTest {
  static final List<String> PARTS =
      List.of(
          "{\"version\": 2, \"width\": 80, \"height\": 24}\n",
          "[0.5, \"i\", \"ls\\r\"]\n",
          "[0.6, \"o\", \"config.yaml\\r\\n\"]\n");

  final MutableClock clock = new MutableClock(T0);
  final SessionId recorded = sessionId(1);

  /** The sequence number of the recorded session's {@code session.ended} event. */
  long endedSeq;

  /**
   * A recorded exec of three parts, a port-forward (nothing recorded) and an exec that recorded
   * nothing: six events.
   */
  @BeforeEach
  void recordAndClose() {
    try (Database db = engine.open(clock)) {
      AccessRequest grant = grant(1);
      db.requests().insert(grant, List.of());
      StreamSession exec = exec(recorded, grant.id(), T0);
      StreamSession forward = portForward(sessionId(2), grant.id(), T0);
      StreamSession empty = exec(sessionId(3), grant.id(), T0);
      for (StreamSession s : List.of(exec, forward, empty)) {
        new OpenSession(db.sessions(), new RecordingNotifier()).open(s);
      }
      ByteArrayOutputStream recording = new ByteArrayOutputStream();
      for (int p = 0; p < PARTS.size(); p++) {
        byte[] part = PARTS.get(p).getBytes(StandardCharsets.UTF_8);
        db.sessions().appendRecording(recorded, p, part);
        recording.writeBytes(part);
      }
      CloseSession close = new CloseSession(db.sessions(), new RecordingNotifier());
      close.close(exec, ended(T0, SessionEnd.Cause.CLIENT_CLOSED, recording.toByteArray()));
      close.close(forward, ended(T0, SessionEnd.Cause.CLIENT_CLOSED, new byte[0]));
      close.close(empty, ended(T0, SessionEnd.Cause.CLIENT_CLOSED, new byte[0]));
      endedSeq =
          db.audit().forRequest(grant.id()).stream()
              .filter(e -> e.event().action() == AuditAction.SESSION_ENDED)
              .filter(e -> e.event().details().get("session").equals(recorded.value()))
              .mapToLong(StoredAuditEvent::sequence)
              .findFirst()
              .orElseThrow();
      assertThat(db.verifyAudit().check()).isEqualTo(new ChainCheck.Intact(6));
    }
  }

  @Test
  void intactRecordingsPass() {
    assertThat(verify()).isEqualTo(new ChainCheck.Intact(6));
  }

  @Test
  void oneChangedByteOfAPartIsReportedAtTheSessionsEndEvent() throws Exception {
    byte[] part = PARTS.get(1).getBytes(StandardCharsets.UTF_8);
    part[6] = 'r'; // "ls" becomes "rs"
    setPart(1, part);

    assertThat(verify())
        .isEqualTo(
            new ChainCheck.Broken(
                endedSeq,
                "the recording of session "
                    + recorded
                    + " does not match the SHA-256 in this event: "
                    + total()
                    + " bytes in 3 parts are stored, the event records "
                    + total()
                    + " bytes (a part was changed, removed or added)"));
  }

  @Test
  void aRemovedPartIsReported() throws Exception {
    engine.execute(
        "DELETE FROM recording_parts WHERE session_id = '" + recorded.value() + "' AND seq = 2");

    assertThat(verify())
        .isInstanceOfSatisfying(
            ChainCheck.Broken.class,
            broken -> {
              assertThat(broken.sequence()).isEqualTo(endedSeq);
              assertThat(broken.problem()).contains(" in 2 parts are stored");
            });
  }

  @Test
  void anAddedPartIsReported() throws Exception {
    try (Connection c = engine.connect();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO recording_parts (session_id, seq, content) VALUES (?, 9, ?)")) {
      insert.setString(1, recorded.value());
      insert.setBytes(2, "[9.9, \"o\", \"forged\"]\n".getBytes(StandardCharsets.UTF_8));
      insert.executeUpdate();
    }

    assertThat(verify())
        .isInstanceOfSatisfying(
            ChainCheck.Broken.class,
            broken -> {
              assertThat(broken.sequence()).isEqualTo(endedSeq);
              assertThat(broken.problem()).contains(" in 4 parts are stored");
            });
  }

  @Test
  void aRecordingWithNoPartLeftIsReportedMissing() throws Exception {
    engine.execute("DELETE FROM recording_parts WHERE session_id = '" + recorded.value() + "'");

    assertThat(verify())
        .isEqualTo(
            new ChainCheck.Broken(
                endedSeq,
                "the recording of session "
                    + recorded
                    + " is missing: no part of it is stored (the event records "
                    + total()
                    + " bytes)"));
  }

  /** Sessions recorded and ended during a check are outside it, never reported as a break. */
  @Test
  void verifyingWhileSessionsAreRecordedNeverReportsABreak() throws Exception {
    try (Database db = engine.open(clock)) {
      AtomicBoolean stop = new AtomicBoolean();
      Thread gateway =
          new Thread(
              () -> {
                for (int n = 10; !stop.get(); n++) {
                  StreamSession s = exec(sessionId(n), grant(1).id(), T0);
                  new OpenSession(db.sessions(), new RecordingNotifier()).open(s);
                  byte[] part = ("part of " + n).getBytes(StandardCharsets.UTF_8);
                  db.sessions().appendRecording(s.id(), 0, part);
                  db.sessions().appendRecording(s.id(), 1, part);
                  new CloseSession(db.sessions(), new RecordingNotifier())
                      .close(
                          s,
                          ended(
                              T0,
                              SessionEnd.Cause.CLIENT_CLOSED,
                              (("part of " + n).repeat(2)).getBytes(StandardCharsets.UTF_8)));
                }
              });
      gateway.start();
      List<AuditVerification> broken = new ArrayList<>();
      int checks = 0;
      try {
        long until = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < until && checks < 100 && broken.isEmpty()) {
          AuditVerification check = db.verifyAudit();
          checks++;
          if (!check.intact()) {
            broken.add(check);
          }
        }
      } finally {
        stop.set(true);
        gateway.join();
      }
      assertThat(broken).isEmpty();
      assertThat(db.verifyAudit().check())
          .isInstanceOfSatisfying(
              ChainCheck.Intact.class, intact -> assertThat(intact.events()).isGreaterThan(6));
    }
  }

  /** Through the read-only path {@code verify-audit} takes. */
  private ChainCheck verify() {
    return AuditVerifier.verify(engine.url(), engine.user(), engine.password()).check();
  }

  private void setPart(int seq, byte[] content) throws Exception {
    try (Connection c = engine.connect();
        PreparedStatement update =
            c.prepareStatement(
                "UPDATE recording_parts SET content = ? WHERE session_id = ? AND seq = ?")) {
      update.setBytes(1, content);
      update.setString(2, recorded.value());
      update.setLong(3, seq);
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
  }

  private static long total() {
    return PARTS.stream().mapToLong(p -> p.getBytes(StandardCharsets.UTF_8).length).sum();
  }
}
