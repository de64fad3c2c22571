package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.port.AuditLog.ChainHead;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AuditLogTest extends EngineTest {
  static final CustomerId GLOBEX = new CustomerId("globex");

  final MutableClock clock = new MutableClock(T0);
  Database db;

  @BeforeEach
  void open() {
    db = engine.open(clock);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void anEmptyChainIsIntact() {
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(0));
    assertThat(db.audit().head()).isEqualTo(new ChainHead(0, "0".repeat(64)));
  }

  @Test
  void eventsReadBackAsWrittenPerRequestAndNewestFirstPerCustomer() {
    RequestId a = TestData.id(1);
    RequestId b = TestData.id(2);
    AuditEvent a1 = event(Fixtures.ACME, a, AuditAction.REQUEST_SUBMITTED, Fixtures.ENGINEER, 1);
    AuditEvent b1 = event(Fixtures.ACME, b, AuditAction.REQUEST_SUBMITTED, Fixtures.ENGINEER, 2);
    AuditEvent a2 = event(Fixtures.ACME, a, AuditAction.DECISION_REFUSED, Fixtures.BYSTANDER, 3);
    AuditEvent g1 =
        event(GLOBEX, TestData.id(3), AuditAction.REQUEST_SUBMITTED, Fixtures.ENGINEER, 4);
    AuditEvent noRequest =
        new AuditEvent(
            T0.plusNanos(5),
            Actor.CLUSTER,
            Optional.of(Fixtures.ACME),
            Optional.empty(),
            AuditAction.RECONCILE_ORPHAN_REMOVED,
            AuditResult.FAILED,
            Map.of());
    AuditEvent nothing =
        new AuditEvent(
            T0.plusNanos(6),
            Actor.SYSTEM,
            Optional.empty(),
            Optional.empty(),
            AuditAction.CLUSTER_CHANGE_REFUSED,
            AuditResult.REFUSED,
            Map.of("k", "v"));
    for (AuditEvent e : List.of(a1, b1, a2, g1, noRequest, nothing)) {
      db.audit().append(e);
    }

    assertThat(db.audit().forRequest(a))
        .extracting(StoredAuditEvent::event)
        .containsExactly(a1, a2);
    assertThat(db.audit().forRequest(a))
        .extracting(StoredAuditEvent::sequence)
        .containsExactly(1L, 3L);
    assertThat(db.audit().recent(Fixtures.ACME, 10))
        .extracting(StoredAuditEvent::event)
        .containsExactly(noRequest, a2, b1, a1);
    assertThat(db.audit().recent(Fixtures.ACME, 2))
        .extracting(StoredAuditEvent::event)
        .containsExactly(noRequest, a2);
    assertThat(db.audit().recent(GLOBEX, 10))
        .extracting(StoredAuditEvent::event)
        .containsExactly(g1);
    assertThat(db.audit().recent(GLOBEX, 0)).isEmpty();
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(6));
  }

  @Test
  void theHashIsSha256OfThePreviousHashAndTheCanonicalJson() throws Exception {
    RequestId id = TestData.id(1);
    db.audit()
        .append(
            new AuditEvent(
                T0,
                Fixtures.APPROVER,
                Optional.of(Fixtures.ACME),
                Optional.of(id),
                AuditAction.REQUEST_APPROVED,
                AuditResult.OK,
                Map.of("z", "last", "a", "quote \" and ü")));
    db.audit()
        .append(
            new AuditEvent(
                T0,
                Actor.SYSTEM,
                Optional.empty(),
                Optional.empty(),
                AuditAction.GRANT_FAILED,
                AuditResult.FAILED,
                Map.of()));

    String first =
        "{\"action\":\"request.approved\",\"actor\":\"slack:T0CUSTOMER/U0APPROVER1\","
            + "\"at\":\"2026-03-01T10:15:30.123456789Z\",\"customer\":\"acme\","
            + "\"details\":{\"a\":\"quote \\\" and ü\",\"z\":\"last\"},\"request_id\":\""
            + id.value()
            + "\","
            + "\"result\":\"ok\",\"seq\":1}";
    String second =
        "{\"action\":\"grant.failed\",\"actor\":\"system\",\"at\":\"2026-03-01T10:15:30.123456789Z\","
            + "\"customer\":null,\"details\":{},\"request_id\":null,\"result\":\"failed\",\"seq\":2}";
    String firstHash = sha256("0".repeat(64) + first);
    String secondHash = sha256(firstHash + second);

    StoredAuditEvent one = db.audit().forRequest(id).getFirst();
    assertThat(one.previousHash()).isEqualTo("0".repeat(64));
    assertThat(one.hash()).isEqualTo(firstHash);
    assertThat(AuditCanonicalForm.canonical(AuditCanonicalForm.Content.of(1, one.event())))
        .isEqualTo(first);
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(2));
    assertThat(headHash()).isEqualTo(secondHash);
    assertThat(db.audit().head()).isEqualTo(new ChainHead(2, secondHash));
    assertThat(db.verifyAudit())
        .isEqualTo(new AuditVerification(new ChainHead(2, secondHash), new ChainCheck.Intact(2)));
  }

  /** Two pools on one database stand for two replicas: the row lock on the head serializes them. */
  @Test
  void concurrentAppendsFromTwoProcessesKeepOneUnbrokenChain() throws Exception {
    try (Database replica = engine.open(clock)) {
      int threads = 8;
      int perThread = 25;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Database target = t % 2 == 0 ? db : replica;
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    target
                        .audit()
                        .append(
                            event(
                                Fixtures.ACME,
                                TestData.id(thread),
                                AuditAction.GRANT_RETRY,
                                Actor.SYSTEM,
                                i));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();

      List<Long> sequences =
          db.audit().recent(Fixtures.ACME, 1000).stream()
              .map(StoredAuditEvent::sequence)
              .sorted()
              .toList();
      assertThat(sequences)
          .containsExactlyElementsOf(
              LongStream.rangeClosed(1, threads * perThread).boxed().toList());
      assertThat(replica.audit().verify()).isEqualTo(new ChainCheck.Intact(threads * perThread));
    }
  }

  private String headHash() throws Exception {
    return engine.queryText("SELECT hash FROM audit_head");
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static AuditEvent event(
      CustomerId customer, RequestId id, AuditAction action, Actor actor, int n) {
    return new AuditEvent(
        T0.plusNanos(n),
        actor,
        Optional.of(customer),
        Optional.of(id),
        action,
        AuditResult.OK,
        Map.of("n", Integer.toString(n)));
  }
}
