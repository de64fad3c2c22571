package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.event;
import static dev.latchkey.storage.TestData.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
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
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Committed events leave as JSON lines, at least once and in order: a broken sink never costs a
 * change, a failed change sends nothing, a sink that was down or a process that stopped before
 * forwarding catches up.
 */
class AuditForwardingTest extends EngineTest {
  static final ObjectMapper JSON = new ObjectMapper();

  final MutableClock clock = new MutableClock(T0);

  @Test
  void everyCommittedEventIsOneJsonLineCarryingTheStoredHash() throws Exception {
    Path file = dir.resolve("logs/audit/latchkey.jsonl");
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    RecordingSink broken = new RecordingSink("broken");
    broken.fail(RecordingSink.Failure.BEFORE_WRITING);
    List<StoredAuditEvent> stored = new ArrayList<>();
    try (Database db =
        engine
            .builder(clock)
            .sinks(
                List.of(
                    broken, new JsonLinesAuditSink(file), new JsonLinesAuditSink("stream", stream)))
            .open()) {
      AccessRequest r = TestData.pending(id(1), T0);
      db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      AccessRequest next = TestData.inState(RequestState.APPROVED, r.id(), T0, Scope.CLUSTER);
      db.requests()
          .update(
              r,
              next,
              List.of(
                  event(r, AuditAction.APPROVAL_GIVEN, T0),
                  event(r, AuditAction.REQUEST_APPROVED, T0)));
      // Lost race: nothing committed, nothing forwarded.
      db.requests().update(r, next, List.of(event(r, AuditAction.REQUEST_DENIED, T0)));
      db.audit()
          .append(
              new AuditEvent(
                  T0,
                  Fixtures.BYSTANDER,
                  Optional.of(Fixtures.ACME),
                  Optional.of(r.id()),
                  AuditAction.DECISION_REFUSED,
                  AuditResult.REFUSED,
                  Map.of("reason", "NOT_APPROVER")));
      ClusterEnablement on =
          new ClusterEnablement(
              Fixtures.PROD,
              true,
              Set.of("readonly"),
              Optional.of(T0),
              Optional.of(Fixtures.ADMIN));
      db.enablements()
          .save(
              on,
              new AuditEvent(
                  T0,
                  Fixtures.ADMIN,
                  Optional.of(Fixtures.ACME),
                  Optional.empty(),
                  AuditAction.CLUSTER_ENABLED,
                  AuditResult.OK,
                  Map.of("cluster", "prod")));

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
      assertThat(keys)
          .containsExactly(
              "action",
              "actor",
              "at",
              "customer",
              "details",
              "hash",
              "prev_hash",
              "request_id",
              "result",
              "seq");
      assertThat(line.get("seq").asLong()).isEqualTo(event.sequence());
      assertThat(line.get("hash").asText()).isEqualTo(event.hash());
      assertThat(line.get("prev_hash").asText()).isEqualTo(event.previousHash());
      assertThat(line.get("action").asText()).isEqualTo(event.event().action().eventName());
      assertThat(line.get("actor").asText()).isEqualTo(event.event().actor().audit());
      assertThat(line.get("at").asText()).isEqualTo(event.event().at().toString());
      assertThat(line.get("customer").asText()).isEqualTo("acme");
      assertThat(
              JSON.convertValue(line.get("details"), new TypeReference<Map<String, String>>() {}))
          .isEqualTo(event.event().details());
      assertThat(line.get("hash").asText()).isEqualTo(rehash(lines.get(i)));
    }
    assertThat(lines)
        .extracting(l -> JSON.readTree(l).get("action").asText())
        .containsExactly(
            "request.submitted",
            "approval.given",
            "request.approved",
            "decision.refused",
            "cluster.enabled");
    assertThat(JSON.readTree(lines.get(4)).get("request_id").isNull()).isTrue();
  }

  @Test
  void aChangeThatRollsBackForwardsNothing() throws Exception {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    try (Database db = engine.open(clock, new JsonLinesAuditSink("stream", stream))) {
      AccessRequest r = TestData.pending(id(1), T0);
      db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      engine.execute(
          "INSERT INTO audit_events SELECT seq + 1, at, actor, customer, request_id, action, "
              + "result, details, prev_hash, hash FROM audit_events WHERE seq = 1");
      AccessRequest second = TestData.pending(id(2), T0);

      assertThatThrownBy(
              () ->
                  db.requests()
                      .insert(second, List.of(event(second, AuditAction.REQUEST_SUBMITTED, T0))))
          .isInstanceOf(StoreException.class);
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
    assertThat(Files.readAllLines(file))
        .extracting(l -> JSON.readTree(l).get("seq").asLong())
        .containsExactly(1L, 2L);
  }

  @Test
  void aSinkThatFailsForAWhileReceivesEveryEventInOrderOnceItRecovers() throws Exception {
    RecordingSink flaky = new RecordingSink("pipeline");
    RecordingSink steady = new RecordingSink("steady");
    try (Database db = engine.open(clock, flaky, steady)) {
      flaky.fail(RecordingSink.Failure.BEFORE_WRITING);
      AccessRequest r = TestData.pending(id(1), T0);
      db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      AccessRequest next = TestData.inState(RequestState.APPROVED, r.id(), T0, Scope.CLUSTER);
      db.requests()
          .update(
              r,
              next,
              List.of(
                  event(r, AuditAction.APPROVAL_GIVEN, T0),
                  event(r, AuditAction.REQUEST_APPROVED, T0)));

      List<AuditForwarding> during = db.forwardAudit();
      assertThat(during.get(0).forwarded()).isZero();
      assertThat(during.get(0).behind()).isEqualTo(3);
      assertThat(during.get(0).failure())
          .hasValueSatisfying(f -> assertThat(f).contains("disk full"));
      assertThat(during.get(1)).isEqualTo(new AuditForwarding("steady", 3, 3, Optional.empty()));
      assertThat(flaky.sequences()).isEmpty();

      db.audit().append(refused(r));
      db.enablements().save(enabled(), enabledEvent());
      assertThat(db.forwardAudit().get(0).behind()).isEqualTo(5);

      flaky.fail(RecordingSink.Failure.NONE);
      List<AuditForwarding> after = db.forwardAudit();

      assertThat(after.get(0)).isEqualTo(new AuditForwarding("pipeline", 5, 5, Optional.empty()));
      assertThat(flaky.sequences()).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(flaky.lines())
          .extracting(AuditLine::hash)
          .containsExactlyElementsOf(steady.lines().stream().map(AuditLine::hash).toList());
      assertThat(flaky.attempts()).isGreaterThan(2);
    }
  }

  /**
   * A process that committed and stopped before forwarding (here: opened without the sink, the same
   * state a crash leaves): the next process with the sink forwards the missed events at start, once
   * each, in order.
   */
  @Test
  void eventsCommittedButNotForwardedAreForwardedWhenTheDatabaseIsOpenedAgain() throws Exception {
    RecordingSink first = new RecordingSink("pipeline");
    try (Database db = engine.open(clock, first)) {
      AccessRequest r = TestData.pending(id(1), T0);
      db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      db.forwardAudit();
    }
    assertThat(first.sequences()).containsExactly(1L);
    try (Database crashed = engine.open(clock)) {
      for (int n = 2; n <= 4; n++) {
        AccessRequest r = TestData.pending(id(n), T0);
        crashed.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      }
    }

    RecordingSink again = new RecordingSink("pipeline");
    RecordingSink added = new RecordingSink("added later");
    try (Database db = engine.open(clock, again, added)) {
      assertThat(again.awaitThrough(4, Duration.ofSeconds(20))).as("caught up at open").isTrue();
      assertThat(again.sequences()).containsExactly(2L, 3L, 4L);

      // A sink seen for the first time starts at the head of the chain of that moment.
      AccessRequest r = TestData.pending(id(5), T0);
      db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      db.forwardAudit();
      assertThat(again.sequences()).containsExactly(2L, 3L, 4L, 5L);
      assertThat(added.sequences()).containsExactly(5L);
    }
  }

  /**
   * A sink that took a batch but did not confirm it (it threw after sending) gets the batch again:
   * at least once, and the repeated lines carry the same seq and hash, so a consumer can drop them.
   */
  @Test
  void aBatchTheSinkDidNotConfirmIsWrittenAgainWithTheSameSeqAndHash() throws Exception {
    RecordingSink sink = new RecordingSink("pipeline");
    try (Database db = engine.open(clock, sink)) {
      sink.hold();
      AccessRequest r = TestData.pending(id(1), T0);
      sink.fail(RecordingSink.Failure.AFTER_WRITING);
      db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
      sink.release();
      assertThat(sink.awaitThrough(1, Duration.ofSeconds(20))).isTrue();
      sink.fail(RecordingSink.Failure.NONE);
      db.forwardAudit();

      List<AuditLine> lines = sink.lines();
      assertThat(lines)
          .extracting(AuditLine::sequence)
          .containsOnly(1L)
          .hasSizeGreaterThanOrEqualTo(2);
      assertThat(lines).map(AuditLine::json).containsOnly(lines.getFirst().json());
    }
  }

  /** A committing thread only wakes forwarding: a sink stuck in a write holds up no change. */
  @Test
  void aStuckSinkNeverHoldsUpACommit() throws Exception {
    RecordingSink stuck = new RecordingSink("stuck");
    stuck.hold();
    try (Database db = engine.open(clock, stuck)) {
      AccessRequest first = TestData.pending(id(1), T0);
      db.requests().insert(first, List.of(event(first, AuditAction.REQUEST_SUBMITTED, T0)));
      assertThat(stuck.awaitHeld(Duration.ofSeconds(20)))
          .as("forwarding is inside the sink")
          .isTrue();

      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () -> {
            for (int n = 2; n <= 5; n++) {
              AccessRequest r = TestData.pending(id(n), T0);
              db.requests().insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));
            }
            db.audit().append(refused(first));
          });
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(6));

      stuck.release();
      db.forwardAudit();
      assertThat(stuck.sequences()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }
  }

  /**
   * Two pools on one database stand for two replicas, each with its own standard output under the
   * same name: each event goes to exactly one of them, and each writes its share in order.
   */
  @Test
  void processesSharingTheDatabaseShareEachSinksProgress() throws Exception {
    RecordingSink mine = new RecordingSink("stdout");
    RecordingSink theirs = new RecordingSink("stdout");
    try (Database db = engine.open(clock, mine);
        Database replica = engine.open(clock, theirs)) {
      int threads = 4;
      int perThread = 15;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Database target = t % 2 == 0 ? db : replica;
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    target
                        .audit()
                        .append(
                            new AuditEvent(
                                T0,
                                Actor.SYSTEM,
                                Optional.of(Fixtures.ACME),
                                Optional.of(id(thread)),
                                AuditAction.GRANT_RETRY,
                                AuditResult.OK,
                                Map.of("n", "" + i)));
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      db.forwardAudit();
      replica.forwardAudit();

      List<Long> all = new ArrayList<>(mine.sequences());
      all.addAll(theirs.sequences());
      assertThat(all)
          .containsExactlyInAnyOrderElementsOf(
              LongStream.rangeClosed(1, threads * perThread).boxed().toList());
      assertThat(mine.sequences()).isSorted();
      assertThat(theirs.sequences()).isSorted();
    }
  }

  @Test
  void aStandardOutputThatCannotBeWrittenIsAFailingSinkNotDeliveredEvents() throws Exception {
    PrintStream original = System.out;
    OutputStream closedPipe =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("Broken pipe");
          }
        };
    System.setOut(new PrintStream(closedPipe, true));
    try (Database db = engine.open(new MutableClock(T0), JsonLinesAuditSink.stdout())) {
      db.audit()
          .append(
              new AuditEvent(
                  T0,
                  Actor.SYSTEM,
                  Optional.of(Fixtures.ACME),
                  Optional.empty(),
                  AuditAction.GRANT_RETRY,
                  AuditResult.OK,
                  Map.of()));

      List<AuditForwarding> status = db.forwardAudit();

      // A PrintStream swallows the failure; the sink must still say it, so the events are written
      // again later.
      assertThat(status).singleElement().satisfies(s -> assertThat(s.forwarded()).isZero());
    } finally {
      System.setOut(original);
    }
  }

  @Test
  void sinksNeedDistinctNames() {
    assertThatThrownBy(
            () -> engine.open(clock, new RecordingSink("stdout"), new RecordingSink("stdout")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two audit sinks are named stdout");
  }

  private static AuditEvent refused(AccessRequest r) {
    return new AuditEvent(
        T0,
        Fixtures.BYSTANDER,
        Optional.of(Fixtures.ACME),
        Optional.of(r.id()),
        AuditAction.DECISION_REFUSED,
        AuditResult.REFUSED,
        Map.of("reason", "NOT_APPROVER"));
  }

  private static ClusterEnablement enabled() {
    return new ClusterEnablement(
        Fixtures.PROD, true, Set.of("readonly"), Optional.of(T0), Optional.of(Fixtures.ADMIN));
  }

  private static AuditEvent enabledEvent() {
    return new AuditEvent(
        T0,
        Fixtures.ADMIN,
        Optional.of(Fixtures.ACME),
        Optional.empty(),
        AuditAction.CLUSTER_ENABLED,
        AuditResult.OK,
        Map.of("cluster", "prod"));
  }

  /**
   * What a log pipeline can do on its own: the line without its {@code hash} and {@code prev_hash}
   * members is, byte for byte, the canonical content that was hashed.
   */
  static String rehash(String line) throws IOException {
    JsonNode node = JSON.readTree(line);
    String hashes =
        "\"hash\":\""
            + node.get("hash").asText()
            + "\",\"prev_hash\":\""
            + node.get("prev_hash").asText()
            + "\",";
    assertThat(line).contains(hashes);
    return AuditCanonicalForm.hash(node.get("prev_hash").asText(), line.replace(hashes, ""));
  }
}
