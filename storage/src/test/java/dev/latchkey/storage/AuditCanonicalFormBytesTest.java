package dev.latchkey.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exact bytes the audit hash is taken over, and the hashes, pinned: a change to the canonical
 * form (key order, escaping, nulls, the details text) would stop every existing chain verifying, so
 * it must fail here first. The values were computed by the form every earlier version wrote.
 */
class AuditCanonicalFormBytesTest {
  static final AuditCanonicalForm.Content APPROVED =
      new AuditCanonicalForm.Content(
          42,
          "2026-03-01T10:15:30Z",
          "slack:T0CUSTOMER/U0APPROVER1",
          "acme",
          "ar-00000001",
          "request.approved",
          "ok",
          AuditCanonicalForm.details(Map.of("text", "caf\u00e9 \"q\" \u0001\n", "a", "1")));

  static final AuditCanonicalForm.Content ENABLED =
      new AuditCanonicalForm.Content(
          43, "2026-03-01T10:15:31Z", "system", null, null, "cluster.enabled", "ok", "{}");

  @Test
  void theCanonicalContentIsSortedCompactJsonWithTheDetailsTextVerbatim() {
    assertThat(AuditCanonicalForm.canonical(APPROVED))
        .isEqualTo(
            "{\"action\":\"request.approved\",\"actor\":\"slack:T0CUSTOMER/U0APPROVER1\","
                + "\"at\":\"2026-03-01T10:15:30Z\",\"customer\":\"acme\","
                + "\"details\":{\"a\":\"1\",\"text\":\"caf\u00e9 \\\"q\\\" \\u0001\\n\"},"
                + "\"request_id\":\"ar-00000001\",\"result\":\"ok\",\"seq\":42}");
    assertThat(AuditCanonicalForm.canonical(ENABLED))
        .isEqualTo(
            "{\"action\":\"cluster.enabled\",\"actor\":\"system\",\"at\":\"2026-03-01T10:15:31Z\","
                + "\"customer\":null,\"details\":{},\"request_id\":null,\"result\":\"ok\","
                + "\"seq\":43}");
  }

  @Test
  void theHashChainsFromGenesis() {
    String first =
        AuditCanonicalForm.hash(AuditCanonicalForm.GENESIS, AuditCanonicalForm.canonical(APPROVED));
    assertThat(first).isEqualTo("8374a515e2bf04e13af9a0508edc151981be670f66c619d72fc3dee07b12cfb2");
    assertThat(AuditCanonicalForm.hash(first, AuditCanonicalForm.canonical(ENABLED)))
        .isEqualTo("1c07c1c94085e6f7db49d363f17b23f65e19d4ed5c7337a4b840c991f982d5e2");
    assertThat(AuditCanonicalForm.GENESIS).hasSize(64).matches("0+");
  }

  @Test
  void theForwardedLineIsTheCanonicalContentWithTheHashesAfterTheDetails() {
    String line = AuditCanonicalForm.line(ENABLED, "H", "P");
    assertThat(line)
        .isEqualTo(
            "{\"action\":\"cluster.enabled\",\"actor\":\"system\",\"at\":\"2026-03-01T10:15:31Z\","
                + "\"customer\":null,\"details\":{},\"hash\":\"H\",\"prev_hash\":\"P\","
                + "\"request_id\":null,\"result\":\"ok\",\"seq\":43}");
    assertThat(line.replace("\"hash\":\"H\",\"prev_hash\":\"P\",", ""))
        .isEqualTo(AuditCanonicalForm.canonical(ENABLED));
  }

  @Test
  void detailsAreWrittenInOneFormWhateverTheMapsOrder() {
    Map<String, String> backwards = new LinkedHashMap<>();
    backwards.put("z", "last");
    backwards.put("a", "</script>");
    assertThat(AuditCanonicalForm.details(backwards))
        .isEqualTo("{\"a\":\"</script>\",\"z\":\"last\"}");
    assertThat(AuditCanonicalForm.detailsFormProblem(AuditCanonicalForm.details(backwards)))
        .isEmpty();
    assertThat(AuditCanonicalForm.details(Map.of())).isEqualTo("{}");
  }
}
