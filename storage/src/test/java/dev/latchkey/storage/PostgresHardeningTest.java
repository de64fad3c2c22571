package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.event;
import static dev.latchkey.storage.TestData.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.core.testing.RecordingNotifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The optional PostgreSQL hardening of {@code deploy/postgres-hardening.sql}, as written: Latchkey
 * runs as the everyday role, and that role can neither change nor remove an audit event. Runs in
 * {@code PostgresIT}.
 */
abstract class PostgresHardeningTest extends EngineTest {
  static final Path SCRIPT = Path.of("..", "deploy", "postgres-hardening.sql");

  /** PostgreSQL's SQLSTATE for "permission denied". */
  static final String INSUFFICIENT_PRIVILEGE = "42501";

  final MutableClock clock = new MutableClock(T0);

  @Test
  void latchkeyRunsAsTheEverydayRoleWhichCannotChangeOrRemoveAuditEvents() throws Exception {
    try (Database owner = engine.open(clock)) {
      AccessRequest r = TestData.pending(id(1), T0);
      owner.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
    }
    String app =
        "latchkey_app_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    engine.execute("CREATE ROLE " + app + " LOGIN PASSWORD 'everyday'");
    try {
      runScript(app);

      try (Database db =
          Database.builder(engine.url())
              .credentials(app, "everyday")
              .clock(clock)
              .sinks(List.of(new RecordingSink("stdout")))
              .open()) {
        AccessRequest r = TestData.pending(id(2), T0);
        db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
        AccessRequest approved = TestData.inState(RequestState.APPROVED, r.id(), T0, Scope.CLUSTER);
        db.requests().update(r, approved, List.of(event(r, AuditAction.REQUEST_APPROVED, T0)));
        db.cards().save(r.id(), new CardStore.CardRef("C0SHARED", "1.2"));
        // The gateway's tables came with a later migration: the script's default rights cover them.
        StreamSession session = SessionData.exec(SessionData.sessionId(1), r.id(), T0);
        new OpenSession(db.sessions(), new RecordingNotifier()).open(session);
        db.sessions().appendRecording(session.id(), 0, new byte[] {1, 2, 3});
        new CloseSession(db.sessions(), new RecordingNotifier())
            .close(
                session,
                SessionData.ended(T0, SessionEnd.Cause.CLIENT_CLOSED, new byte[] {1, 2, 3}));
        db.sessions().log(List.of(SessionData.line(r.id(), T0, "api-7d9f8")));
        assertThat(db.sessions().activity(r.id(), 10)).hasSize(1);
        assertThat(db.forwardAudit())
            .singleElement()
            .satisfies(f -> assertThat(f.behind()).isZero());
        assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(5));
      }
      assertThat(AuditVerifier.verify(engine.url(), app, "everyday").check())
          .isEqualTo(new ChainCheck.Intact(5));

      try (Connection c =
          DriverManager.getConnection(H2Urls.prepare(engine.url()), app, "everyday")) {
        for (String tampering :
            List.of(
                "UPDATE audit_events SET actor = 'system' WHERE seq = 2",
                "DELETE FROM audit_events WHERE seq = 3",
                "TRUNCATE audit_events",
                "DELETE FROM requests",
                "DELETE FROM recording_parts",
                "UPDATE recording_parts SET seq = seq + 1",
                "TRUNCATE session_log",
                "UPDATE audit_format SET strict_from = 100")) {
          SQLException refused =
              catchThrowableOfType(
                  SQLException.class,
                  () -> {
                    try (Statement s = c.createStatement()) {
                      s.executeUpdate(tampering);
                    }
                  });
          assertThat(refused != null).as("refused: %s", tampering).isTrue();
          assertThat(refused.getSQLState()).as(tampering).isEqualTo(INSUFFICIENT_PRIVILEGE);
        }
      }
    } finally {
      engine.execute("DROP OWNED BY " + app);
      engine.execute("DROP ROLE " + app);
    }
  }

  /** The script's statements, for the role named {@code app}, run as the owner of the tables. */
  private void runScript(String app) throws Exception {
    String script =
        Files.readString(SCRIPT)
            .lines()
            .filter(l -> !l.startsWith("--"))
            .reduce("", (a, b) -> a + b + "\n")
            .replace("latchkey_app", app);
    try (Connection c = engine.connect();
        Statement s = c.createStatement()) {
      for (String statement :
          Arrays.stream(script.split(";")).map(String::strip).filter(t -> !t.isEmpty()).toList()) {
        s.execute(statement);
      }
    }
  }
}
