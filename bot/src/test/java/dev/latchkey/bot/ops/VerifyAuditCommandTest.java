package dev.latchkey.bot.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.port.AuditLog.ChainHead;
import dev.latchkey.storage.Database;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees from {@code ./latchkey verify-audit}, and its exit status. */
class VerifyAuditCommandTest {
  @TempDir Path dir;
  String url;
  ChainHead head;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void writeThreeEvents() {
    url = "jdbc:h2:file:" + dir.resolve("data/latchkey");
    try (Database db = Database.builder(url).credentials("", "").sinks(List.of()).open()) {
      for (int n = 1; n <= 3; n++) {
        db.audit()
            .append(
                new AuditEvent(
                    Instant.parse("2026-03-01T10:00:00Z").plusSeconds(n),
                    Actor.SYSTEM,
                    Optional.of(new CustomerId("acme")),
                    Optional.empty(),
                    AuditAction.CLUSTER_ENABLED,
                    AuditResult.OK,
                    Map.of("cluster", "prod")));
      }
      head = db.audit().head();
    }
  }

  @Test
  void anIntactChainPrintsTheHeadAndExitsZero() {
    int status = run(Map.of("LATCHKEY_DB_URL", url));

    assertThat(status).isEqualTo(VerifyAuditCommand.INTACT);
    assertThat(out())
        .isEqualTo(
            "audit chain head: event 3, hash "
                + head.hash()
                + "\n"
                + "audit chain intact: 3 events\n");
    assertThat(err()).isEmpty();
  }

  @Test
  void aBrokenChainNamesTheFirstBrokenLinkAndExitsOne() throws Exception {
    try (Connection c = DriverManager.getConnection(url, "", "");
        Statement s = c.createStatement()) {
      s.executeUpdate(
          "UPDATE audit_events SET details = '{\"cluster\":\"staging\"}' WHERE seq = 2");
    }

    int status = run(Map.of("LATCHKEY_DB_URL", url));

    assertThat(status).isEqualTo(VerifyAuditCommand.BROKEN);
    assertThat(out())
        .isEqualTo(
            "audit chain head: event 3, hash "
                + head.hash()
                + "\n"
                + "audit chain BROKEN at event 2: hash does not match content\n");
  }

  @Test
  void theDatabaseComesFromTheConfigurationFileWhenNoUrlIsSet() throws Exception {
    Path config = dir.resolve("latchkey.yml");
    Files.writeString(
        config,
        Files.readString(Path.of("..", "latchkey.example.yml"))
            .replace("url: jdbc:h2:file:./data/latchkey", "url: " + url)
            // the example's placeholders are refused until edited
            .replace("T0123ABCD", "T0CUSTOMER")
            .replace("C0456EFGH", "C0SHARED")
            .replace("S0789IJKL", "S0APPROVERS")
            .replace("/etc/latchkey/kubeconfig", "/srv/kubeconfig")
            .replace("https://k8s.acme.example:6443", "https://k8s.acme.test:6443"));

    int status = run(Map.of("LATCHKEY_CONFIG", config.toString()));

    assertThat(err()).isEmpty();
    assertThat(status).isEqualTo(VerifyAuditCommand.INTACT);
  }

  @Test
  void aDatabaseThatCannotBeOpenedIsOneClearLineAndExitTwo() {
    String missing = "jdbc:h2:file:" + dir.resolve("elsewhere/latchkey");

    int status = run(Map.of("LATCHKEY_DB_URL", missing));

    assertThat(status).isEqualTo(VerifyAuditCommand.CANNOT_CHECK);
    assertThat(out()).isEmpty();
    assertThat(err())
        .startsWith(
            "verify-audit: could not open database "
                + missing
                + ": there is no H2 database at that path")
        .doesNotContain("\tat ")
        .hasLineCount(1);
    assertThat(dir.resolve("elsewhere")).doesNotExist();
  }

  @Test
  void aMissingConfigurationIsReportedLikeRunDoes() {
    int status = run(Map.of("LATCHKEY_CONFIG", dir.resolve("absent.yml").toString()));

    assertThat(status).isEqualTo(VerifyAuditCommand.CANNOT_CHECK);
    assertThat(err())
        .startsWith(
            "verify-audit: Configuration file "
                + dir.resolve("absent.yml").toAbsolutePath()
                + " does not exist.");
  }

  private int run(Map<String, String> env) {
    return VerifyAuditCommand.run(
        env,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
