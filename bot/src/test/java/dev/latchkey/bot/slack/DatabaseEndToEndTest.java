package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.storage.Database;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Slack surface on the real storage: an H2 file database, across a restart. */
class DatabaseEndToEndTest {
  @TempDir Path dir;

  private Database open(MutableClock clock) {
    return Database.builder("jdbc:h2:file:" + dir.resolve("latchkey"))
        .credentials(Database.DEFAULT_USER, "")
        .sinks(List.of())
        .clock(clock)
        .open();
  }

  private SlackHarness harness(Database db, MutableClock clock) throws Exception {
    return new SlackHarness(
        Fixtures.customers(), clock, db.requests(), db.audit(), db.enablements(), db.cards());
  }

  @Test
  void cardsDecisionsAndRepliesSurviveARestart() throws Exception {
    MutableClock clock = SlackHarness.start();
    AccessRequest approved;
    AccessRequest denied;
    AccessRequest decidedWhileDown;
    String downThread;
    try (Database db = open(clock);
        SlackHarness slack = harness(db, clock)) {
      slack
          .core
          .enable()
          .enable(Fixtures.PROD, Fixtures.ADMIN, Set.of("readonly", "operator", "admin"));

      approved = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h stored in h2 <!here>");
      assertThat(db.cards().find(approved.id())).isPresent();
      slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, approved.id());
      await()
          .untilAsserted(
              () -> assertThat(slack.get(approved.id()).state()).isEqualTo(RequestState.ACTIVE));
      slack.awaitCardShows(approved.id());
      assertThat(slack.latestCard(approved.id())).contains("Active", "&lt;!here&gt;");

      denied = slack.submit(Fixtures.ENGINEER, "request prod operator 1h written denial");
      slack.threadReply(
          Fixtures.APPROVER_2, denied.id(), "1772442100.000100", "Denied.", "Ev0DB1", Map.of());
      await()
          .untilAsserted(
              () -> assertThat(slack.get(denied.id()).state()).isEqualTo(RequestState.DENIED));
      slack.awaitCardShows(denied.id());

      decidedWhileDown =
          slack.submit(Fixtures.ENGINEER, "request prod readonly 1h approved while down");
      downThread = db.cards().find(decidedWhileDown.id()).orElseThrow().ts();
      assertThat(slack.cardPosts()).hasSize(3);
      assertThat(db.cards().findOutOfDate(100)).isEmpty();
    }

    // Restart: a new process on the same file. Nothing is reposted; a reply written meanwhile is
    // applied.
    try (Database db = open(clock);
        SlackHarness slack = harness(db, clock)) {
      slack.wm.stubFor(
          post("/api/conversations.replies")
              .withRequestBody(
                  containing("ts=" + URLEncoder.encode(downThread, StandardCharsets.UTF_8)))
              .willReturn(
                  okJson(
                      "{\"ok\":true,\"messages\":[{\"type\":\"message\",\"user\":\"U0LATCHKEY\","
                          + "\"bot_id\":\"B0LATCHKEY\",\"text\":\"card\",\"ts\":\""
                          + downThread
                          + "\"},{\"type\":\"message\","
                          + "\"user\":\"U0APPROVER3\",\"team\":\"T0CUSTOMER\",\"text\":\"approve\",\"ts\":\"1772442500.000001\","
                          + "\"thread_ts\":\""
                          + downThread
                          + "\"}]}")));

      assertThat(slack.surface.cardSync().syncOutOfDate()).isZero();
      assertThat(slack.surface.threadReplay().replayPendingThreads()).isEqualTo(1);

      await()
          .untilAsserted(
              () ->
                  assertThat(slack.get(decidedWhileDown.id()).state())
                      .isEqualTo(RequestState.ACTIVE));
      slack.awaitCardShows(decidedWhileDown.id());
      assertThat(slack.cardPosts()).isEmpty();
      assertThat(slack.calls("chat.update"))
          .allSatisfy(u -> assertThat(u.get("ts")).isEqualTo(downThread));
      assertThat(slack.get(approved.id()).state()).isEqualTo(RequestState.ACTIVE);
      assertThat(slack.get(denied.id()).state()).isEqualTo(RequestState.DENIED);

      assertThat(db.audit().forRequest(decidedWhileDown.id()))
          .extracting(e -> e.event().action())
          .contains(
              AuditAction.APPROVAL_GIVEN, AuditAction.REQUEST_APPROVED, AuditAction.GRANT_CREATED);
      assertThat(db.audit().forRequest(denied.id()))
          .anySatisfy(
              e -> {
                assertThat(e.event().action()).isEqualTo(AuditAction.REQUEST_DENIED);
                assertThat(e.event().details())
                    .containsEntry("method", "thread_reply")
                    .containsEntry("text", "Denied.");
              });
      assertThat(db.audit().verify()).isInstanceOf(AuditLog.ChainCheck.Intact.class);
      assertThat(slack.surface.threadReplay().replayPendingThreads()).isZero();
    }
  }
}
