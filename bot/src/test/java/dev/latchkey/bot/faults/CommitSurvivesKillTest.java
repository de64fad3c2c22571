package dev.latchkey.bot.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.storage.Database;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction that has returned is on disk: a process killed with SIGKILL right after an approval
 * was committed (and its audit event forwarded) must find the approval, and an intact audit chain
 * holding its event, when the database is opened again. H2's default write delay (up to 500 ms
 * between a commit and its write to the file) would lose both, and the audit stream already
 * forwarded to the log pipeline would then disagree with the database, whose next events would
 * reuse the lost sequence numbers; Database turns it off.
 */
class CommitSurvivesKillTest {
  @TempDir Path dir;

  @Test
  void anApprovalCommittedJustBeforeSigkillIsStillThere() throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("latchkey");
    RequestId id = RequestId.random(new SecureRandom());
    String java = ProcessHandle.current().info().command().orElseThrow();
    // The submission is given 2 s to reach the file; the approval is killed as soon as it has been
    // committed.
    Process child =
        new ProcessBuilder(
                java,
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                ChildCommitter.class.getName(),
                url,
                id.value(),
                "2000")
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals(ChildCommitter.COMMITTED + id)) {
        // Latchkey's own log lines
      }
      assertThat(line).as("the child reported its commit").isNotNull();
      child.destroyForcibly();
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    try (Database db = Database.builder(url).credentials("", "").sinks(List.of()).open()) {
      AccessRequest r = db.requests().find(id).orElseThrow();
      assertThat(r.state()).as("state after the kill").isEqualTo(RequestState.APPROVED);
      assertThat(db.audit().forRequest(id))
          .extracting(e -> e.event().action())
          .containsExactly(AuditAction.REQUEST_SUBMITTED, AuditAction.REQUEST_APPROVED);
      assertThat(db.audit().verify()).isEqualTo(new AuditLog.ChainCheck.Intact(2));
    }
  }
}
