package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.event;
import static dev.latchkey.storage.TestData.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Committed events leave as JSON lines; a broken sink never costs a change, a failed change sends nothing. */
class AuditForwardingTest extends EngineTest {
  static final ObjectMapper JSON = new ObjectMapper();

  final MutableClock clock = new MutableClock(T0);

  @Test
  void everyCommittedEventIsOneJsonLineCarryingTheStoredHash() throws Exception {
    Path file = dir.resolve("logs/audit/latchkey.jsonl");
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    AuditSink broken = events -> {
      throw new IOException("disk full");
    };
    List<StoredAuditEvent> stored = new ArrayList<>();
    try (Database db = engine.builder(clock)
        .sinks(List.of(broken, new JsonLinesAuditSink(file), new JsonLinesAuditSink(stream))).open()) {
      AccessRequest r = TestData.pending(id(1), T0);
      db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      AccessRequest next = TestData.inState(RequestState.APPROVED, r.id(), T0, Scope.CLUSTER);
      db.requests().update(r, next, List.of(event(r, AuditAction.APPROVAL_GIVEN, T0),
          event(r, AuditAction.REQUEST_APPROVED, T0)));
      // Lost race: nothing committed, nothing forwarded.
      db.requests().update(r, next, List.of(event(r, AuditAction.REQUEST_DENIED, T0)));
      db.audit().append(new AuditEvent(T0, Fixtures.BYSTANDER, Optional.of(Fixtures.ACME), Optional.of(r.id()),
          AuditAction.DECISION_REFUSED, AuditResult.REFUSED, Map.of("reason", "NOT_APPROVER")));
      ClusterEnablement on = new ClusterEnablement(Fixtures.PROD, true, Set.of("readonly"), Optional.of(T0),
          Optional.of(Fixtures.ADMIN));
      db.enablements().save(on, new AuditEvent(T0, Fixtures.ADMIN, Optional.of(Fixtures.ACME), Optional.empty(),
          AuditAction.CLUSTER_ENABLED, AuditResult.OK, Map.of("cluster", "prod")));

      stored.addAll(db.audit().recent(Fixtures.ACME, 100).reversed());
      assertThat(stored).hasSize(5);
      assertThat(db.requests().find(r.id())).contains(next.withVersion(1));
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(5));
    }

    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(stream.toString(StandardCharsets.UTF_8)).isEqualTo(String.join("\n", lines) + "\n");
    assertThat(lines).hasSize(stored.size());
    for (int i = 0; i < lines.size(); i++) {
      JsonNode line = JSON.readTree(lines.get(i));
      StoredAuditEvent event = stored.get(i);
      List<String> keys = new ArrayList<>();
      line.fieldNames().forEachRemaining(keys::add);
      assertThat(keys).containsExactly("action", "actor", "at", "customer", "details", "hash", "prev_hash",
          "request_id", "result", "seq");
      assertThat(line.get("seq").asLong()).isEqualTo(event.sequence());
      assertThat(line.get("hash").asText()).isEqualTo(event.hash());
      assertThat(line.get("prev_hash").asText()).isEqualTo(event.previousHash());
      assertThat(line.get("action").asText()).isEqualTo(event.event().action().eventName());
      assertThat(line.get("actor").asText()).isEqualTo(event.event().actor().audit());
      assertThat(line.get("at").asText()).isEqualTo(event.event().at().toString());
      assertThat(line.get("customer").asText()).isEqualTo("acme");
      assertThat(JSON.convertValue(line.get("details"), new TypeReference<Map<String, String>>() {}))
          .isEqualTo(event.event().details());
      assertThat(line.get("hash").asText()).isEqualTo(rehash(lines.get(i)));
    }
    assertThat(lines).extracting(l -> JSON.readTree(l).get("action").asText()).containsExactly(
        "request.submitted", "approval.given", "request.approved", "decision.refused", "cluster.enabled");
    assertThat(JSON.readTree(lines.get(4)).get("request_id").isNull()).isTrue();
  }

  @Test
  void aChangeThatRollsBackForwardsNothing() throws Exception {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    try (Database db = engine.open(clock, new JsonLinesAuditSink(stream))) {
      AccessRequest r = TestData.pending(id(1), T0);
      db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      engine.execute("INSERT INTO audit_events SELECT seq + 1, at, actor, customer, request_id, action, "
          + "result, details, prev_hash, hash FROM audit_events WHERE seq = 1");
      AccessRequest second = TestData.pending(id(2), T0);

      assertThatThrownBy(() -> db.requests().insert(second, List.of(event(second, AuditAction.REQUEST_SUBMITTED,
          T0)))).isInstanceOf(StoreException.class);
    }
    assertThat(stream.toString(StandardCharsets.UTF_8).lines()).hasSize(1);
  }

  @Test
  void theFileSinkAppendsAcrossRestarts() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    for (int run = 1; run <= 2; run++) {
      try (Database db = engine.open(clock, new JsonLinesAuditSink(file))) {
        AccessRequest r = TestData.pending(id(run), T0);
        db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      }
    }
    assertThat(Files.readAllLines(file)).extracting(l -> JSON.readTree(l).get("seq").asLong())
        .containsExactly(1L, 2L);
  }

  /**
   * What a log pipeline can do on its own: the line without its {@code hash} and {@code prev_hash} members is, byte
   * for byte, the canonical content that was hashed.
   */
  static String rehash(String line) throws IOException {
    JsonNode node = JSON.readTree(line);
    String hashes = "\"hash\":\"" + node.get("hash").asText() + "\",\"prev_hash\":\""
        + node.get("prev_hash").asText() + "\",";
    assertThat(line).contains(hashes);
    return AuditJson.hash(node.get("prev_hash").asText(), line.replace(hashes, ""));
  }
}
