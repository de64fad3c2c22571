package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.event;
import static dev.latchkey.storage.TestData.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.port.AuditLog.ChainHead;
import dev.latchkey.core.testing.MutableClock;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator's check from outside a running Latchkey: the head, intact or the first broken link;
 * no changes.
 */
class AuditVerifierTest extends EngineTest {
  final MutableClock clock = new MutableClock(T0);

  @Test
  void reportsTheHeadAndIntactOrTheFirstBrokenLink() throws Exception {
    ChainHead head;
    try (Database db = engine.open(clock)) {
      for (int n = 1; n <= 3; n++) {
        AccessRequest r = TestData.pending(id(n), T0);
        db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      }
      head = db.audit().head();
    }

    assertThat(verify()).isEqualTo(new AuditVerification(head, new ChainCheck.Intact(3)));
    assertThat(head.sequence()).isEqualTo(3);

    engine.execute("UPDATE audit_events SET actor = 'system' WHERE seq = 2");
    assertThat(verify())
        .isEqualTo(
            new AuditVerification(head, new ChainCheck.Broken(2, "hash does not match content")));
  }

  /**
   * A database of the first version stays at schema version 1: verifying migrates and forwards
   * nothing.
   */
  @Test
  void changesNothingNotEvenTheSchema() throws Exception {
    LegacyAuditWriter.createV1Schema(engine);
    LegacyAuditWriter.append(
        engine,
        new LegacyAuditWriter.Row(
            T0.toString(),
            "system",
            "acme",
            null,
            "cluster.enabled",
            "ok",
            Map.of("cluster", "prod")));

    assertThat(verify().check()).isEqualTo(new ChainCheck.Intact(1));
    assertThat(engine.queryText("SELECT MAX(\"version\") FROM \"flyway_schema_history\""))
        .isEqualTo("1");
    assertThat(
            engine.queryText(
                "SELECT COUNT(*) FROM information_schema.tables "
                    + "WHERE LOWER(table_name) IN ('audit_format', 'audit_forwarding')"))
        .isEqualTo("0");
  }

  @Test
  void aDatabaseWithoutTheAuditLogIsNamedAsSuch() throws Exception {
    engine.execute("CREATE TABLE unrelated (id INTEGER)");

    assertThatThrownBy(this::verify)
        .isInstanceOf(StoreException.class)
        .hasMessageEndingWith(
            "holds no Latchkey audit log (there is no table audit_head): check LATCHKEY_DB_URL or "
                + "database.url");
  }

  @Test
  void aMissingH2FileIsReportedAndNotCreated() {
    assumeTrue(engine.isH2(), "H2 files only");
    String url = "jdbc:h2:file:" + dir.resolve("nowhere/latchkey");

    assertThatThrownBy(() -> AuditVerifier.verify(url, Database.DEFAULT_USER, ""))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith(
            "could not open database " + url + " as sa: there is no H2 database at that path");
    assertThat(Files.exists(dir.resolve("nowhere"))).isFalse();
  }

  private AuditVerification verify() {
    return AuditVerifier.verify(engine.url(), engine.user(), engine.password());
  }
}
