package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Characters that are invisible or turn text around (U+202E, U+200B, U+2028 …) pass the plain-text
 * check; typed reasons holding one are refused by name, and other text shows them by name.
 */
class InvisibleCharactersTest {
  private final TestRig rig = new TestRig().enabled();

  @ParameterizedTest(name = "U+{0}")
  @ValueSource(
      ints = {
        0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F,
        0x061C, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x2028, 0x2029, 0x00AD, 0x2061, 0x2064,
        0x206A, 0x206F, 0x180E, 0xFFF9, 0xE0001, 0xE0041, 0x1D173, 0x3164, 0x115F, 0xFFA0
      })
  void aReasonHoldingOneIsRefusedNamingIt(int codePoint) {
    String reason = "INC-1 pods " + Character.toString(codePoint) + "crash-looping";
    String name = String.format("U+%04X", codePoint);

    var outcome = rig.core.submit().submit(submission(reason));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            SubmitRequest.Result.Refused.class,
            r -> {
              assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.INVISIBLE_CHARACTER);
              assertThat(r.refusal().fact(Refusal.Fact.CHARACTER)).contains(name);
            });
    assertThat(PlainText.isInvisible(codePoint)).isTrue();
    assertThat(PlainText.escapeInvisible(reason)).contains("<" + name + ">");
    assertThat(rig.requests.findOpen(Fixtures.ACME)).isEmpty();
    assertThat(rig.audit.count(AuditAction.REQUEST_REFUSED)).isEqualTo(1);
  }

  @Test
  void visibleTextPassesAsItIs() {
    String reason = "INC-1\n\tpods 🚀 ❤️ crash-looping; café, Ελληνικά, עברית, 日本語";
    assertThat(PlainText.firstInvisible(reason)).isEmpty();
    assertThat(PlainText.escapeInvisible(reason)).isSameAs(reason);
    assertThat(PlainText.clean(reason)).isSameAs(reason);
    assertThat(rig.core.submit().submit(submission(reason)))
        .isInstanceOf(SubmitRequest.Result.Submitted.class);
  }

  @Test
  void escapingNamesEachCharacterAndCleaningAlsoReplacesWhatCannotBeStored() {
    assertThat(PlainText.escapeInvisible("read\u202Eylno\u200B\uDB40\uDC41"))
        .isEqualTo("read<U+202E>ylno<U+200B><U+E0041>");
    assertThat(PlainText.clean("a\u0000b\u2028c\uD800")).isEqualTo("a\uFFFDb<U+2028>c\uFFFD");
    assertThat(PlainText.name(0x202E)).isEqualTo("U+202E");
    assertThat(PlainText.firstInvisible("ok\u2066x\u202E")).hasValue(0x2066);
  }

  @Test
  void whatARefusedSubmissionRecordsShowsThemByName() {
    rig.core
        .submit()
        .submit(
            new Submission(
                Fixtures.ACME,
                "prod\u202E",
                "read\u200Bonly",
                Optional.empty(),
                List.of(),
                Fixtures.REQUESTER,
                "x"));

    assertThat(rig.audit.all())
        .filteredOn(e -> e.action() == AuditAction.REQUEST_REFUSED)
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.details())
                    .containsEntry("cluster", "prod<U+202E>")
                    .containsEntry("role", "read<U+200B>only"));
  }

  @Test
  void aWrittenDecisionsTextIsRecordedWithThemByName() {
    AccessRequest pending = rig.pending();

    rig.core
        .decide()
        .decide(
            new Decision(
                pending.id(),
                Fixtures.APPROVER,
                Decision.Verdict.APPROVE,
                DecisionMethod.THREAD_REPLY,
                Map.of("text", "approve\u202E", "message_ts", "1.2"),
                Optional.empty(),
                Optional.empty()));

    assertThat(rig.audit.all())
        .filteredOn(e -> e.action() == AuditAction.REQUEST_APPROVED)
        .singleElement()
        .satisfies(e -> assertThat(e.details()).containsEntry("text", "approve<U+202E>"));
  }

  private static Submission submission(String reason) {
    return new Submission(
        Fixtures.ACME,
        "prod",
        "readonly",
        Optional.of(Duration.ofHours(1)),
        List.of(),
        Fixtures.REQUESTER,
        reason);
  }
}
