package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.access.ClusterStatus;
import dev.latchkey.core.testing.Fixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Counts in the right number, and the audit trail as a person reads it. */
class ReplyWordsTest {
  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  static final RequestId ID = RequestCardTest.ID;

  @Test
  void countsAgreeWithTheirNouns() {
    assertThat(Texts.count(0, "request", "requests")).isEqualTo("0 requests");
    assertThat(Texts.count(1, "request", "requests")).isEqualTo("1 request");
    assertThat(Texts.count(2, "request", "requests")).isEqualTo("2 requests");

    AccessRequest one = RequestCardTest.pending();
    assertThat(CommandReplies.list(List.of(one)).text()).isEqualTo("1 pending or active request");
    assertThat(CommandReplies.list(List.of(one, one)).text())
        .isEqualTo("2 pending or active requests");
    assertThat(CommandReplies.list(List.of()).text())
        .isEqualTo("No pending or active requests in this channel.");

    assertThat(status(1)).contains("active access: 1 request ·");
    assertThat(status(0)).contains("active access: 0 requests ·");
    assertThat(status(3)).contains("active access: 3 requests ·");

    assertThat(AuditTexts.trail(ID, List.of(stored(submitted())))).contains("(1 event;");
    assertThat(AuditTexts.trail(ID, List.of(stored(submitted()), stored(submitted()))))
        .contains("(2 events;");
  }

  @Test
  void statusOfAMistypedClusterGuessesItWithoutAUsageLine() {
    assertThat(CommandReplies.unknownCluster("prdo", List.of("prod", "staging")))
        .isEqualTo(
            ":no_entry_sign: Unknown cluster `prdo`. Did you mean `prod`? Clusters: prod,"
                + " staging.");
    assertThat(CommandReplies.unknownCluster("qa", List.of("prod", "staging")))
        .isEqualTo(":no_entry_sign: Unknown cluster `qa`. Clusters: prod, staging.");
  }

  @Test
  void theAuditTrailReadsAsSentencesInTheReadersZoneWithTheRecordBelow() {
    AuditEvent approved =
        new AuditEvent(
            T0.plusSeconds(75),
            Fixtures.APPROVER,
            Optional.of(Fixtures.ACME),
            Optional.of(ID),
            AuditAction.REQUEST_APPROVED,
            AuditResult.OK,
            Map.of(
                "approvals", "1 of 1", "expires_at", "2026-03-02T11:01:15Z", "method", "button"));
    AuditEvent refused =
        new AuditEvent(
            T0.plusSeconds(60),
            Fixtures.ENGINEER,
            Optional.of(Fixtures.ACME),
            Optional.of(ID),
            AuditAction.DECISION_REFUSED,
            AuditResult.REFUSED,
            Map.of("reason", "SELF_APPROVAL", "method", "button"));

    String trail =
        AuditTexts.trail(ID, List.of(stored(submitted()), stored(refused), stored(approved)));

    assertThat(trail.lines().toList())
        .containsSubsequence(
            "*Audit trail of* `ar-7k2m9q4x` (3 events; times in your time zone, each event's record"
                + " as stored below it)",
            "• <!date^1772442000^{date_short_pretty} {time}|2026-03-02 09:00 UTC> — Request"
                + " submitted by <@U0ENGINEER>",
            "      `request.submitted` · 2026-03-02T09:00:00Z · slack:T0VENDOR/U0ENGINEER · ok ·"
                + " cluster=prod",
            "• <!date^1772442060^{date_short_pretty} {time}|2026-03-02 09:01 UTC> — Decision by"
                + " <@U0ENGINEER> refused: self approval",
            "      `decision.refused` · 2026-03-02T09:01:00Z · slack:T0VENDOR/U0ENGINEER · refused"
                + " · method=button reason=SELF_APPROVAL",
            "• <!date^1772442075^{date_short_pretty} {time}|2026-03-02 09:01 UTC> — Request"
                + " approved by <@U0APPROVER1>, access until"
                + " <!date^1772449275^{date_short_pretty} {time}|2026-03-02 11:01 UTC>",
            "      `request.approved` · 2026-03-02T09:01:15Z · slack:T0CUSTOMER/U0APPROVER1 · ok ·"
                + " approvals=1 of 1 expires_at=2026-03-02T11:01:15Z method=button");
  }

  @Test
  void everyActionReadsInWordsNotAsItsCode() {
    for (AuditAction action : AuditAction.values()) {
      AuditEvent e =
          new AuditEvent(
              T0,
              Actor.SYSTEM,
              Optional.of(Fixtures.ACME),
              Optional.of(ID),
              action,
              AuditResult.OK,
              Map.of());
      assertThat(AuditTexts.sentence(e))
          .as(action.name())
          .isNotBlank()
          .doesNotContain(action.eventName(), action.name(), "_");
    }
  }

  @Test
  void typedTextInTheTrailIsEscapedAndALongTrailKeepsTheNewest() {
    AuditEvent typed =
        new AuditEvent(
            T0,
            Fixtures.ENGINEER,
            Optional.of(Fixtures.ACME),
            Optional.of(ID),
            AuditAction.REQUEST_SUBMITTED,
            AuditResult.OK,
            Map.of("reason", "<!channel> look"));
    assertThat(AuditTexts.trail(ID, List.of(stored(typed))))
        .contains("reason=&lt;!channel&gt; look")
        .doesNotContain("<!channel>");

    List<StoredAuditEvent> many = new ArrayList<>();
    IntStream.range(0, 400)
        .forEach(
            i ->
                many.add(
                    stored(
                        new AuditEvent(
                            T0.plusSeconds(i),
                            Fixtures.ENGINEER,
                            Optional.of(Fixtures.ACME),
                            Optional.of(ID),
                            AuditAction.REQUEST_SUBMITTED,
                            AuditResult.OK,
                            Map.of("n", "x".repeat(60) + i)))));
    String trail = AuditTexts.trail(ID, many);
    assertThat(trail.length()).isLessThanOrEqualTo(AuditTexts.MAX_CHARS);
    assertThat(trail).contains("earlier events not shown", "x".repeat(60) + "399");
  }

  private static String status(long active) {
    ClusterEnablement enabled =
        new ClusterEnablement(
            Fixtures.PROD, true, Set.of("readonly"), Optional.empty(), Optional.empty());
    return CommandReplies.status(
        Fixtures.acme(),
        List.of(new ClusterStatus.State(Fixtures.prod(), enabled, active, List.of())));
  }

  private static AuditEvent submitted() {
    return new AuditEvent(
        T0,
        Fixtures.ENGINEER,
        Optional.of(Fixtures.ACME),
        Optional.of(ID),
        AuditAction.REQUEST_SUBMITTED,
        AuditResult.OK,
        Map.of("cluster", "prod"));
  }

  private static StoredAuditEvent stored(AuditEvent e) {
    return new StoredAuditEvent(1, e, "0".repeat(64), "1".repeat(64));
  }
}
