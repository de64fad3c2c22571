package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hash covers the stored bytes and nothing else: any other spelling of the same details is a
 * different row, text without a single UTF-8 form is refused, and rows written by the first version
 * still verify.
 */
class AuditCanonicalFormTest extends EngineTest {
  static final String DETAILS = "{\"n\":\"1\",\"text\":\"caf\u00e9 \\\"quoted\\\"\"}";

  final MutableClock clock = new MutableClock(T0);

  private AuditEvent event() {
    return new AuditEvent(
        T0,
        Fixtures.APPROVER,
        Optional.of(Fixtures.ACME),
        Optional.of(TestData.id(1)),
        AuditAction.REQUEST_APPROVED,
        AuditResult.OK,
        Map.of("n", "1", "text", "caf\u00e9 \"quoted\""));
  }

  @Test
  void detailsAreStoredInTheOneCanonicalForm() throws Exception {
    try (Database db = engine.open(clock)) {
      db.audit().append(event());
    }
    assertThat(engine.queryText("SELECT details FROM audit_events WHERE seq = 1"))
        .isEqualTo(DETAILS);
  }

  /** Each of these reads back as the same map; each must still count as an altered row. */
  @Test
  void anyOtherSpellingOfTheSameDetailsBreaksTheHash() throws Exception {
    Map<String, String> respellings = new LinkedHashMap<>();
    respellings.put("whitespace", "{\"n\": \"1\",\"text\":\"caf\u00e9 \\\"quoted\\\"\"}");
    respellings.put("a \\u escape", "{\"n\":\"\\u0031\",\"text\":\"caf\u00e9 \\\"quoted\\\"\"}");
    respellings.put(
        "an escaped non-ASCII letter", "{\"n\":\"1\",\"text\":\"caf\\u00e9 \\\"quoted\\\"\"}");
    respellings.put("key order", "{\"text\":\"caf\u00e9 \\\"quoted\\\"\",\"n\":\"1\"}");
    respellings.put(
        "a repeated key", "{\"n\":\"1\",\"n\":\"1\",\"text\":\"caf\u00e9 \\\"quoted\\\"\"}");
    respellings.put("trailing text", DETAILS + " ");
    try (Database db = engine.open(clock)) {
      db.audit().append(event());
      for (Map.Entry<String, String> respelling : respellings.entrySet()) {
        setDetails(respelling.getValue());
        assertThat(db.audit().verify())
            .as(respelling.getKey())
            .isEqualTo(new ChainCheck.Broken(1, "hash does not match content"));
      }
      setDetails(DETAILS);
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(1));
    }
  }

  /** A row rewritten together with a matching hash and head: only the form gives it away. */
  @Test
  void detailsInAnotherFormAreReportedEvenWithAMatchingHash() throws Exception {
    Map<String, String> forms = new LinkedHashMap<>();
    forms.put("{\"n\": \"1\"}", "content cannot be read: details are not in canonical form");
    forms.put(
        "{\"z\":\"1\",\"a\":\"2\"}", "content cannot be read: detail keys are not in sorted order");
    forms.put(
        "{\"n\":\"1\",\"n\":\"2\"}",
        "content cannot be read: details are not valid JSON: Duplicate field 'n'");
    forms.put("{\"n\":1}", "content cannot be read: detail n is not a string");
    forms.put("[]", "content cannot be read: details are not a JSON object");
    try (Database db = engine.open(clock)) {
      db.audit().append(event());
      for (Map.Entry<String, String> form : forms.entrySet()) {
        forge(form.getKey());
        assertThat(db.audit().verify())
            .as(form.getKey())
            .isEqualTo(new ChainCheck.Broken(1, form.getValue()));
      }
      forge("{\"gone\":null}");
      assertThat(db.audit().verify())
          .as("JSON null, which the first version wrote")
          .isEqualTo(new ChainCheck.Intact(1));
    }
  }

  @Test
  void textWithoutAUtf8FormIsNeverHashed() {
    assertThatThrownBy(
            () -> AuditCanonicalForm.hash(AuditCanonicalForm.GENESIS, "{\"text\":\"a\uD800\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    // What the first version did: both texts gave one hash.
    assertThat(AuditCanonicalForm.legacyHash(AuditCanonicalForm.GENESIS, "a\uD800"))
        .isEqualTo(AuditCanonicalForm.legacyHash(AuditCanonicalForm.GENESIS, "a?"));
  }

  /**
   * Only H2 can hold an unpaired surrogate at all; PostgreSQL's driver turns it into '?' on the way
   * in.
   */
  @Test
  void aRowWrittenAfterTheUpgradeThatHoldsAnUnpairedSurrogateIsReported() throws Exception {
    assumeTrue(engine.isH2(), "only H2 stores unpaired surrogates");
    try (Database db = engine.open(clock)) {
      db.audit().append(event());
      forgeLegacy("{\"text\":\"a\uD800\"}");
      assertThat(db.audit().verify())
          .isEqualTo(
              new ChainCheck.Broken(
                  1,
                  "content cannot be hashed: the content holds an unpaired surrogate, which has no"
                      + " UTF-8 form"));
    }
  }

  /**
   * For every detail map the first version could write, the new canonical form is the same text it
   * hashed, so every existing hash stays valid.
   */
  @Test
  void everyRowTheFirstVersionWroteHashesTheSame() throws Exception {
    Random random = new Random(20260301);
    List<Map<String, String>> corpus = new ArrayList<>();
    corpus.add(Map.of());
    corpus.add(Map.of("a", "\"quotes\" and \\backslashes\\ and /slashes/"));
    corpus.add(
        Map.of("text", "line\nline\ttab\rreturn\u0000nul\u0001\u001f\u007f\u0085\u2028\u2029"));
    corpus.add(
        Map.of(
            "emoji",
            "\uD83D\uDE00\uD83C\uDDE9\uD83C\uDDEA",
            "cjk",
            "\u8A31\u53EF",
            "rtl",
            "\u05E9\u05DC"));
    corpus.add(
        Map.of(
            "<script>",
            "</script>&amp;",
            "\u00e9",
            "key order by UTF-16",
            "Z",
            "upper",
            "a",
            "lower"));
    Map<String, String> withNull = new HashMap<>();
    withNull.put("thread_ts", null);
    withNull.put("text", "x");
    corpus.add(withNull);
    for (int i = 0; i < 2000; i++) {
      Map<String, String> details = new HashMap<>();
      for (int k = random.nextInt(4); k >= 0; k--) {
        details.put(
            randomText(random, 1 + random.nextInt(6)), randomText(random, random.nextInt(40)));
      }
      corpus.add(details);
    }
    for (Map<String, String> details : corpus) {
      LegacyAuditWriter.Row legacy =
          new LegacyAuditWriter.Row(
              T0.toString(), "system", "acme", "ar-00000001", "grant.failed", "failed", details);
      String stored = LegacyAuditWriter.details(details);
      AuditCanonicalForm.Content now =
          new AuditCanonicalForm.Content(
              7,
              legacy.at(),
              legacy.actor(),
              legacy.customer(),
              legacy.requestId(),
              legacy.action(),
              legacy.result(),
              stored);

      assertThat(AuditCanonicalForm.canonical(now))
          .as("%s", details)
          .isEqualTo(LegacyAuditWriter.canonical(7, legacy));
      assertThat(
              AuditCanonicalForm.hash(
                  AuditCanonicalForm.GENESIS, AuditCanonicalForm.canonical(now)))
          .isEqualTo(
              LegacyAuditWriter.hash(
                  AuditCanonicalForm.GENESIS, LegacyAuditWriter.canonical(7, legacy)));
      assertThat(AuditCanonicalForm.detailsFormProblem(stored)).as("%s", stored).isEmpty();
      if (details.values().stream().allMatch(v -> v != null)
          && details.keySet().stream().allMatch(AuditEvent::isStorable)
          && details.values().stream().allMatch(AuditEvent::isStorable)) {
        assertThat(AuditCanonicalForm.details(details)).isEqualTo(stored);
      }
    }
  }

  /**
   * A database the first version wrote, including what it no longer accepts (a null value, control
   * characters, an unpaired surrogate), opens, migrates, verifies intact, reads back, and the chain
   * goes on.
   */
  @Test
  void aDatabaseWrittenByTheFirstVersionStillVerifiesAfterTheUpgrade() throws Exception {
    LegacyAuditWriter.createV1Schema(engine);
    Map<String, String> withNull = new HashMap<>();
    withNull.put("message_ts", null);
    withNull.put("text", "approved\r\nthanks \u0007");
    RequestId id = TestData.id(1);
    List<LegacyAuditWriter.Row> rows =
        List.of(
            new LegacyAuditWriter.Row(
                T0.toString(),
                "slack:T0CUSTOMER/U0APPROVER1",
                "acme",
                id.value(),
                "approval.given",
                "ok",
                withNull),
            new LegacyAuditWriter.Row(
                T0.toString(),
                "system",
                "acme",
                id.value(),
                "grant.failed",
                "failed",
                Map.of("error", "broken \uD800 surrogate")),
            new LegacyAuditWriter.Row(
                T0.toString(),
                "system",
                null,
                null,
                "cluster.enabled",
                "ok",
                Map.of("cluster", "prod", "roles", "readonly")));
    for (LegacyAuditWriter.Row row : rows) {
      LegacyAuditWriter.append(engine, row);
    }

    try (Database db = engine.open(clock)) {
      assertThat(engine.queryText("SELECT strict_from FROM audit_format")).isEqualTo("4");
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(3));
      List<StoredAuditEvent> read = db.audit().forRequest(id);
      assertThat(read.get(0).event().details())
          .containsExactly(Map.entry("text", "approved\uFFFD\nthanks \uFFFD"));
      assertThat(read.get(1).event().details().get("error"))
          .isIn("broken \uFFFD surrogate", "broken ? surrogate");

      db.audit().append(event());
      assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(4));
      assertThat(db.audit().head().sequence()).isEqualTo(4);
    }
  }

  private void setDetails(String details) throws Exception {
    engine.execute(
        "UPDATE audit_events SET details = '" + details.replace("'", "''") + "' WHERE seq = 1");
  }

  /**
   * Rewrites event 1 with a hash that matches, and the head with it: a full rewrite from inside.
   */
  private void forge(String details) throws Exception {
    StoredAuditEvent original = original();
    AuditCanonicalForm.Content content = AuditCanonicalForm.Content.of(1, original.event());
    String hash =
        AuditCanonicalForm.hash(
            AuditCanonicalForm.GENESIS,
            AuditCanonicalForm.canonical(
                new AuditCanonicalForm.Content(
                    1,
                    content.at(),
                    content.actor(),
                    content.customer(),
                    content.requestId(),
                    content.action(),
                    content.result(),
                    details)));
    rewrite(details, hash);
  }

  /**
   * Like {@link #forge} with the first version's hashing, which let an unpaired surrogate through
   * as '?'.
   */
  private void forgeLegacy(String details) throws Exception {
    StoredAuditEvent original = original();
    AuditCanonicalForm.Content content = AuditCanonicalForm.Content.of(1, original.event());
    String hash =
        AuditCanonicalForm.legacyHash(
            AuditCanonicalForm.GENESIS,
            AuditCanonicalForm.canonical(
                new AuditCanonicalForm.Content(
                    1,
                    content.at(),
                    content.actor(),
                    content.customer(),
                    content.requestId(),
                    content.action(),
                    content.result(),
                    details)));
    rewrite(details, hash);
  }

  private StoredAuditEvent original() {
    return new StoredAuditEvent(1, event(), AuditCanonicalForm.GENESIS, "unused");
  }

  private void rewrite(String details, String hash) throws Exception {
    setDetails(details);
    engine.execute("UPDATE audit_events SET hash = '" + hash + "' WHERE seq = 1");
    engine.execute("UPDATE audit_head SET hash = '" + hash + "' WHERE id = 1");
  }

  /**
   * Any UTF-16 text a Slack payload could carry, unpaired surrogates excepted: those are checked on
   * their own.
   */
  private static String randomText(Random random, int length) {
    StringBuilder s = new StringBuilder();
    while (s.length() < length) {
      int pick = random.nextInt(10);
      int cp =
          switch (pick) {
            case 0 -> random.nextInt(0x20);
            case 1, 2 -> 0x20 + random.nextInt(0x60);
            case 3 -> "\"\\/<>&'".charAt(random.nextInt(7));
            case 4 -> 0x80 + random.nextInt(0x780);
            case 5 -> 0x10000 + random.nextInt(0x100000 - 0x10000);
            default -> {
              int c = 0x800 + random.nextInt(0x10000 - 0x800);
              yield Character.isSurrogate((char) c) ? 'x' : c;
            }
          };
      s.appendCodePoint(cp);
    }
    return s.toString();
  }
}
