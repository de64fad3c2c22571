package dev.latchkey.storage;

import static dev.latchkey.storage.SessionData.ended;
import static dev.latchkey.storage.SessionData.exec;
import static dev.latchkey.storage.SessionData.grant;
import static dev.latchkey.storage.SessionData.line;
import static dev.latchkey.storage.SessionData.portForward;
import static dev.latchkey.storage.SessionData.sessionId;
import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.PlainText;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.port.SessionStore.SessionRecord;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.core.testing.RecordingNotifier;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway's records: session logs, sessions with their audit events, and recordings. */
class SessionStoreTest extends EngineTest {
  final MutableClock clock = new MutableClock(T0);
  Database db;
  SessionStore store;
  AccessRequest grant;

  @BeforeEach
  void open() {
    db = engine.open(clock);
    store = db.sessions();
    grant = grant(1);
    db.requests().insert(grant, List.of());
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aSessionOpensTakesItsRecordingAndClosesWithItsEventsInTheChain() {
    StreamSession session = exec(sessionId(1), grant.id(), T0.plusSeconds(10));
    StreamSession forward = portForward(sessionId(2), grant.id(), T0.plusSeconds(5));
    new OpenSession(store, new RecordingNotifier()).open(session);
    new OpenSession(store, new RecordingNotifier()).open(forward);
    byte[] recording = recordInParts(session.id(), "{\"version\": 2}\n", "[0.1, \"o\", \"$ \"]\n");
    SessionEnd end = ended(T0.plusSeconds(70), SessionEnd.Cause.CLIENT_CLOSED, recording);
    new CloseSession(store, new RecordingNotifier()).close(session, end);

    assertThat(store.sessions(grant.id()))
        .containsExactly(
            new SessionRecord(forward, Optional.empty()),
            new SessionRecord(session, Optional.of(end)));
    assertThat(store.recording(session.id()))
        .hasValueSatisfying(r -> assertThat(r).isEqualTo(recording));
    assertThat(store.recording(forward.id())).hasValueSatisfying(r -> assertThat(r).isEmpty());
    assertThat(store.recording(sessionId(3))).isEmpty();
    assertThat(store.sessions(TestData.id(2))).isEmpty();

    List<StoredAuditEvent> events = db.audit().forRequest(grant.id());
    assertThat(events)
        .extracting(e -> e.event().action())
        .containsExactly(
            AuditAction.SESSION_STARTED, AuditAction.SESSION_STARTED, AuditAction.SESSION_ENDED);
    assertThat(events.get(2).event().details())
        .containsEntry("session", session.id().value())
        .containsEntry("recording_bytes", Long.toString(recording.length))
        .containsEntry("recording_sha256", SessionData.sha256(recording));
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(3));
  }

  @Test
  void aSessionIsFoundByItsIdAloneOpenThenEnded() {
    StreamSession session = exec(sessionId(1), grant.id(), T0);
    assertThat(store.session(session.id())).isEmpty();
    new OpenSession(store, new RecordingNotifier()).open(session);
    assertThat(store.session(session.id())).contains(new SessionRecord(session, Optional.empty()));
    byte[] recording = recordInParts(session.id(), "{\"version\": 2}\n");
    SessionEnd end = ended(T0.plusSeconds(3), SessionEnd.Cause.REVOKED, recording);
    new CloseSession(store, new RecordingNotifier()).close(session, end);
    assertThat(store.session(session.id())).contains(new SessionRecord(session, Optional.of(end)));
  }

  @Test
  void theSessionLogIsCountedByWhatWasAskedAndHowItWasAnswered() {
    ActivityLine read = line(grant.id(), T0, "api-1");
    ActivityLine forbidden =
        new ActivityLine(
            T0,
            grant.id(),
            Fixtures.PROD,
            "get",
            "secrets",
            Optional.of("shop"),
            Optional.of("db"),
            Optional.empty(),
            List.of(),
            Optional.empty(),
            false,
            403,
            80,
            Duration.ofMillis(2),
            Optional.empty(),
            Optional.empty());
    ActivityLine refused =
        new ActivityLine(
            T0,
            grant.id(),
            Fixtures.PROD,
            "create",
            "pods",
            Optional.of("latchkey"),
            Optional.of("latchkey-0"),
            Optional.of("exec"),
            List.of("sh"),
            Optional.empty(),
            true,
            403,
            0,
            Duration.ZERO,
            Optional.of("namespace latchkey is protected"),
            Optional.empty());
    ActivityLine otherGrant = line(TestData.id(2), T0, "api-1");
    store.log(List.of(read, read, forbidden, refused, refused, refused, otherGrant));

    assertThat(store.logCounts(grant.id()))
        .containsExactlyInAnyOrder(
            new SessionStore.LogCount("get", "pods", Optional.of("log"), 200, false, 2),
            new SessionStore.LogCount("get", "secrets", Optional.empty(), 403, false, 1),
            new SessionStore.LogCount("create", "pods", Optional.of("exec"), 403, true, 3));
    assertThat(store.logCounts(TestData.id(3))).isEmpty();
  }

  @Test
  void aSecondOpenOfOneSessionIsIgnoredAndASessionMustNameAnExistingRequest() {
    StreamSession session = exec(sessionId(1), grant.id(), T0);
    new OpenSession(store, new RecordingNotifier()).open(session);
    new OpenSession(store, new RecordingNotifier()).open(session);

    assertThat(store.sessions(grant.id())).hasSize(1);
    assertThat(db.audit().head().sequence()).isEqualTo(1);

    RequestId unknown = TestData.id(99);
    assertThatThrownBy(
            () ->
                new OpenSession(store, new RecordingNotifier())
                    .open(exec(sessionId(2), unknown, T0)))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "could not open session "
                + sessionId(2)
                + " of "
                + unknown
                + ": request "
                + unknown
                + " does not exist");
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(1));
  }

  @Test
  void aSecondCloseChangesNothingAndAppendsNothing() {
    StreamSession session = exec(sessionId(1), grant.id(), T0);
    new OpenSession(store, new RecordingNotifier()).open(session);
    SessionEnd first = ended(T0.plusSeconds(60), SessionEnd.Cause.REVOKED, new byte[0]);
    new CloseSession(store, new RecordingNotifier()).close(session, first);
    new CloseSession(store, new RecordingNotifier())
        .close(session, ended(T0.plusSeconds(61), SessionEnd.Cause.CLIENT_CLOSED, new byte[1]));
    new CloseSession(store, new RecordingNotifier())
        .close(exec(sessionId(2), grant.id(), T0), first); // never opened: nothing to record

    assertThat(store.sessions(grant.id()))
        .singleElement()
        .isEqualTo(new SessionRecord(session, Optional.of(first)));
    assertThat(db.audit().forRequest(grant.id()))
        .extracting(e -> e.event().action())
        .containsExactly(AuditAction.SESSION_STARTED, AuditAction.SESSION_ENDED);
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(2));
  }

  /**
   * Closing takes the session's row, then the chain's head, as a request update takes its row and
   * then the head: a second close waits on the row, then finds the session ended.
   */
  @Test
  void closesRacingWhileTheChainIsBusyRecordOneEndInTheChain() throws Exception {
    StreamSession session = exec(sessionId(1), grant.id(), T0);
    new OpenSession(store, new RecordingNotifier()).open(session);
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try (Connection auditHead = engine.connect()) {
      auditHead.setAutoCommit(false);
      try (Statement s = auditHead.createStatement()) {
        s.executeQuery("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE").close();
      }
      SessionEnd end = ended(T0.plusSeconds(60), SessionEnd.Cause.EXPIRED, new byte[0]);
      Future<?> first =
          threads.submit(
              () -> new CloseSession(store, new RecordingNotifier()).close(session, end));
      await().atMost(Duration.ofSeconds(10)).until(() -> lockedByOthers(session.id()));
      Future<?> second =
          threads.submit(
              () ->
                  new CloseSession(store, new RecordingNotifier())
                      .close(
                          session,
                          ended(T0.plusSeconds(61), SessionEnd.Cause.FAILED, new byte[0])));
      Future<?> other =
          threads.submit(
              () ->
                  new OpenSession(store, new RecordingNotifier())
                      .open(exec(sessionId(2), grant.id(), T0)));
      auditHead.commit();

      first.get(30, TimeUnit.SECONDS);
      second.get(30, TimeUnit.SECONDS);
      other.get(30, TimeUnit.SECONDS);
      assertThat(store.sessions(grant.id()))
          .filteredOn(r -> r.session().id().equals(session.id()))
          .singleElement()
          .satisfies(r -> assertThat(r.end()).contains(end));
      assertThat(db.audit().forRequest(grant.id()))
          .extracting(e -> e.event().action())
          .containsExactlyInAnyOrder(
              AuditAction.SESSION_STARTED, AuditAction.SESSION_STARTED, AuditAction.SESSION_ENDED);
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(3));
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void partsJoinInSequenceOrderEachAfterTheLastAndWrittenOnce() {
    SessionId id = sessionId(1);
    new OpenSession(store, new RecordingNotifier()).open(exec(id, grant.id(), T0));
    store.appendRecording(id, 0, bytes("a"));
    store.appendRecording(id, 5, bytes("b"));
    store.appendRecording(id, 7, bytes("c"));

    assertThatThrownBy(() -> store.appendRecording(id, 6, bytes("x")))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "could not append part 6 to the recording of session "
                + id
                + ": it does not come after part 7 (parts are written once, in order)");
    assertThatThrownBy(() -> store.appendRecording(id, 7, bytes("c")))
        .isInstanceOf(StoreException.class);
    assertThat(store.recording(id)).hasValueSatisfying(r -> assertThat(r).isEqualTo(bytes("abc")));
  }

  @Test
  void partsGivenTogetherAreKeptTogetherOrNotAtAll() {
    SessionId id = sessionId(1);
    new OpenSession(store, new RecordingNotifier()).open(exec(id, grant.id(), T0));
    store.appendRecording(id, 0, List.of(bytes("a"), bytes("b"), bytes("c")));

    // The third part is too large: neither the parts before it nor it are kept.
    assertThatThrownBy(
            () ->
                store.appendRecording(
                    id,
                    3,
                    List.of(bytes("d"), bytes("e"), new byte[SessionStore.MAX_PART_BYTES + 1])))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("append parts 3 to 5");
    store.appendRecording(id, 3, bytes("d"));
    // Numbers already taken: nothing of the batch is kept.
    assertThatThrownBy(() -> store.appendRecording(id, 3, List.of(bytes("x"), bytes("y"))))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("it does not come after part 3");
    store.appendRecording(id, 4, List.of(bytes("e"), bytes("f")));

    assertThat(store.recording(id))
        .hasValueSatisfying(r -> assertThat(r).isEqualTo(bytes("abcdef")));
  }

  @Test
  void aPartThatCannotBeWrittenThrowsAndSaysWhy() {
    StreamSession session = exec(sessionId(1), grant.id(), T0);
    new OpenSession(store, new RecordingNotifier()).open(session);
    store.appendRecording(session.id(), 0, new byte[SessionStore.MAX_PART_BYTES]);

    assertThatThrownBy(
            () -> store.appendRecording(session.id(), 1, new byte[SessionStore.MAX_PART_BYTES + 1]))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "could not append part 1 to the recording of session "
                + session.id()
                + ": it holds 65537 bytes, more than the 65536 a part may hold");
    assertThatThrownBy(() -> store.appendRecording(session.id(), -1, bytes("x")))
        .isInstanceOf(StoreException.class)
        .hasMessageEndingWith(": a part's sequence is never negative");
    assertThatThrownBy(() -> store.appendRecording(sessionId(2), 0, bytes("x")))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "could not append part 0 to the recording of session "
                + sessionId(2)
                + ": there is no such session (it was never opened)");

    new CloseSession(store, new RecordingNotifier())
        .close(session, ended(T0.plusSeconds(1), SessionEnd.Cause.CLIENT_CLOSED, new byte[0]));
    assertThatThrownBy(() -> store.appendRecording(session.id(), 2, bytes("late")))
        .isInstanceOf(StoreException.class)
        .hasMessageEndingWith(": the session has ended; its recording takes no more parts");

    db.close();
    assertThatThrownBy(() -> store.appendRecording(session.id(), 3, bytes("x")))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith(
            "could not append part 3 to the recording of session " + session.id() + ": ");
  }

  @Test
  void appendsToDifferentSessionsAtOnceEachReadBackWhole() throws Exception {
    int sessions = 4;
    int parts = 25;
    ExecutorService threads = Executors.newFixedThreadPool(sessions);
    try {
      List<Future<byte[]>> written = new ArrayList<>();
      for (int n = 0; n < sessions; n++) {
        SessionId id = sessionId(n + 1);
        new OpenSession(store, new RecordingNotifier()).open(exec(id, grant.id(), T0.plusNanos(n)));
        written.add(
            threads.submit(
                () -> {
                  ByteArrayOutputStream all = new ByteArrayOutputStream();
                  for (int p = 0; p < parts; p++) {
                    byte[] part = bytes(id + " part " + p + "\n");
                    store.appendRecording(id, p, part);
                    all.writeBytes(part);
                  }
                  return all.toByteArray();
                }));
      }
      for (int n = 0; n < sessions; n++) {
        byte[] expected = written.get(n).get(60, TimeUnit.SECONDS);
        assertThat(store.recording(sessionId(n + 1)))
            .hasValueSatisfying(r -> assertThat(r).isEqualTo(expected));
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aTenMegabyteRecordingIn64KiBPartsReadsBackIdentical() {
    StreamSession session = exec(sessionId(1), grant.id(), T0);
    new OpenSession(store, new RecordingNotifier()).open(session);
    byte[] recording = new byte[10 * 1024 * 1024];
    new Random(17).nextBytes(recording);
    for (int p = 0; p * SessionStore.MAX_PART_BYTES < recording.length; p++) {
      int from = p * SessionStore.MAX_PART_BYTES;
      store.appendRecording(
          session.id(),
          p,
          Arrays.copyOfRange(
              recording, from, Math.min(recording.length, from + SessionStore.MAX_PART_BYTES)));
    }
    new CloseSession(store, new RecordingNotifier())
        .close(session, ended(T0.plusSeconds(1), SessionEnd.Cause.CLIENT_CLOSED, recording));

    assertThat(store.recording(session.id()))
        .hasValueSatisfying(r -> assertThat(r).isEqualTo(recording));
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(2));
  }

  @Test
  void activityIsTheNewestLinesOfOneGrantNewestFirst() {
    RequestId other = TestData.id(2);
    ActivityLine a = line(grant.id(), T0, "a");
    ActivityLine b = line(grant.id(), T0.plusMillis(1), "b");
    ActivityLine c = line(grant.id(), T0.plusMillis(1), "c"); // same instant: order given
    ActivityLine d = line(grant.id(), T0.plusMillis(2), "d");
    ActivityLine full =
        new ActivityLine(
            T0.plusMillis(3),
            grant.id(),
            Fixtures.PROD,
            "create",
            "pods",
            Optional.of("shop"),
            Optional.of("api-7d9f8"),
            Optional.of("exec"),
            List.of("sh", "-c", "echo \"hi\"\tthere\nand ünïcödé 🎉"),
            Optional.of("api"),
            true,
            101,
            9_000,
            Duration.ofNanos(1_234_567_891),
            Optional.empty(),
            Optional.of(sessionId(1)));
    ActivityLine refused =
        new ActivityLine(
            T0.plusMillis(4),
            grant.id(),
            Fixtures.PROD,
            "list",
            "secrets",
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Optional.empty(),
            false,
            403,
            0,
            Duration.ZERO,
            Optional.of("namespace latchkey is protected"),
            Optional.empty());
    store.log(List.of(a, b, line(other, T0.plusMillis(5), "other")));
    store.log(List.of(c, d));
    store.log(List.of(full, refused));
    store.log(List.of());

    assertThat(store.activity(grant.id(), 100)).containsExactly(refused, full, d, c, b, a);
    assertThat(store.activity(grant.id(), 3)).containsExactly(refused, full, d);
    assertThat(store.activity(grant.id(), 0)).isEmpty();
    assertThat(store.activity(other, 10))
        .extracting(l -> l.name().orElseThrow())
        .containsExactly("other");
  }

  /** A grant's newest lines come from its end of the index, however long the log grows. */
  @Test
  void activityAndSessionsReadThroughTheirIndexes() throws Exception {
    assertThat(
            engine.explain(
                "SELECT verb FROM session_log WHERE request_id = 'ar-00000001'"
                    + " ORDER BY at DESC, line_order DESC LIMIT 20"))
        .containsIgnoringCase("session_log_request_at_idx");
    assertThat(
            engine.explain(
                "SELECT id FROM gateway_sessions WHERE request_id = 'ar-00000001'"
                    + " ORDER BY started_at, id"))
        .containsIgnoringCase("gateway_sessions_request_idx");
  }

  @Test
  void whatOneRowHoldsIsCappedAndPlain() throws Exception {
    String longName = "n".repeat(10_000);
    List<String> longCommand = Collections.nCopies(1_000, "argument-" + "x".repeat(90));
    ActivityLine line =
        new ActivityLine(
            T0,
            grant.id(),
            Fixtures.PROD,
            "v".repeat(100),
            "r".repeat(1_000),
            Optional.of(longName),
            Optional.of("bad\u0000name\u001b[31m"),
            Optional.of("s".repeat(100)),
            longCommand,
            Optional.of(longName),
            false,
            200,
            0,
            Duration.ZERO,
            Optional.of("why ".repeat(1_000)),
            Optional.empty());
    store.log(List.of(line));
    StreamSession session =
        new StreamSession(
            sessionId(1),
            grant.id(),
            Fixtures.PROD,
            StreamKind.EXEC,
            longName,
            longName,
            Optional.of(longName),
            List.of("sh", "-c", "y".repeat(10_000), "dropped"),
            true,
            T0);
    new OpenSession(store, new RecordingNotifier()).open(session);

    ActivityLine stored = store.activity(grant.id(), 1).getFirst();
    assertThat(stored.verb()).hasSize(SessionRows.VERB).endsWith("v\u2026");
    assertThat(stored.resource()).hasSize(SessionRows.RESOURCE);
    assertThat(stored.namespace().orElseThrow()).hasSize(SessionRows.NAME).endsWith("n\u2026");
    assertThat(stored.name()).contains("bad\uFFFDname\uFFFD[31m");
    assertThat(stored.subresource().orElseThrow()).hasSize(SessionRows.SUBRESOURCE);
    assertThat(stored.container().orElseThrow()).hasSize(SessionRows.NAME);
    assertThat(stored.refusal().orElseThrow()).hasSize(SessionRows.REFUSAL);
    assertThat(ColumnTypes.texts(stored.command()).length())
        .isLessThanOrEqualTo(SessionRows.COMMAND);
    assertThat(stored.command()).hasSize(41); // 40 whole arguments of 101 characters in JSON
    assertThat(stored.command().subList(0, stored.command().size() - 1))
        .allMatch(longCommand.getFirst()::equals);
    assertThat(stored.command().getLast()).endsWith("\u2026");

    StreamSession opened = store.sessions(grant.id()).getFirst().session();
    assertThat(opened.namespace()).hasSize(SessionRows.NAME);
    assertThat(opened.pod()).hasSize(SessionRows.NAME);
    assertThat(opened.container().orElseThrow()).hasSize(SessionRows.NAME);
    assertThat(opened.command()).hasSize(3).startsWith("sh", "-c");
    assertThat(opened.command().get(2)).startsWith("yyy").endsWith("y\u2026");
    assertThat(ColumnTypes.texts(opened.command()).length()).isEqualTo(SessionRows.COMMAND);

    // The database bounds a part by itself, whatever writes it.
    try (Connection c = engine.connect();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO recording_parts (session_id, seq, content) VALUES (?, 0, ?)")) {
      insert.setString(1, session.id().value());
      insert.setBytes(2, new byte[SessionStore.MAX_PART_BYTES + 1]);
      assertThatThrownBy(insert::executeUpdate).isInstanceOf(SQLException.class);
    }
  }

  @Test
  void aCommandIsCutAtItsCapWhateverItHolds() {
    assertThat(SessionRows.command(List.of("ls", "-la"))).isEqualTo("[\"ls\",\"-la\"]");
    // Quotes double in JSON, and a cut never splits a surrogate pair.
    for (String unit : List.of("\"", "🎉", "a", "\n")) {
      for (int count : List.of(1, 2, 10, 1_000, 5_000)) {
        String json = SessionRows.command(Collections.nCopies(count, unit.repeat(7)));
        assertThat(json.length())
            .as("%s × %s", unit, count)
            .isLessThanOrEqualTo(SessionRows.COMMAND);
        List<String> back = ColumnTypes.texts(json);
        assertThat(back).allMatch(PlainText::isPlain);
      }
    }
    assertThat(SessionRows.capped("ab🎉", 3)).isEqualTo("ab\u2026");
    assertThat(SessionRows.capped("a🎉", 3)).isEqualTo("a🎉");
  }

  private byte[] recordInParts(SessionId id, String... parts) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int p = 0; p < parts.length; p++) {
      store.appendRecording(id, p, bytes(parts[p]));
      all.writeBytes(bytes(parts[p]));
    }
    return all.toByteArray();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether another transaction holds the session's row: a lock attempt of 100 ms fails. */
  private boolean lockedByOthers(SessionId id) throws SQLException {
    try (Connection c = engine.connect()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute(engine.isH2() ? "SET LOCK_TIMEOUT 100" : "SET lock_timeout = '100ms'");
        s.executeQuery("SELECT id FROM gateway_sessions WHERE id = '" + id.value() + "' FOR UPDATE")
            .close();
        return false;
      } catch (SQLException e) {
        return true;
      } finally {
        c.rollback();
      }
    }
  }
}
