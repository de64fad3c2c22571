package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.storage.Database;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed request captured and replayed after a restart, while Slack's signature check still
 * accepts it, is acknowledged without a second effect: what was seen is kept in the database.
 */
class ReplayAfterRestartTest {
  private static final String FORM = "application/x-www-form-urlencoded";

  @TempDir Path dir;

  private Database open(MutableClock clock) {
    return Database.builder("jdbc:h2:file:" + dir.resolve("latchkey"))
        .credentials(Database.DEFAULT_USER, "")
        .sinks(List.of())
        .clock(clock)
        .open();
  }

  private SlackHarness harness(Database db, MutableClock clock, MutableClock wall)
      throws Exception {
    return new SlackHarness(
        Fixtures.customers(),
        clock,
        db.requests(),
        db.audit(),
        db.enablements(),
        db.cards(),
        DeliveryLog.of(db.seenDeliveries()::seenBefore, db.seenDeliveries()::forgetBefore),
        wall);
  }

  @Test
  void aSignedCommandReplayedAfterARestartHasNoSecondEffect() throws Exception {
    MutableClock clock = SlackHarness.start();
    // Real time (Slack's timestamps are compared with it), moved by hand.
    MutableClock wall = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    long signedAt = wall.instant().getEpochSecond();
    String captured;
    AccessRequest first;
    try (Database db = open(clock);
        SlackHarness slack = harness(db, clock, wall)) {
      slack.core.enable().enable(Fixtures.PROD, Fixtures.ADMIN, Set.of("readonly"));
      captured =
          slack.commandBody(
              Fixtures.ENGINEER, Fixtures.CHANNEL, "request prod readonly 1h captured on the wire");

      HttpResponse<String> original =
          slack.postSigned(captured, FORM, signedAt, SlackHarness.SECRET, Map.of());

      assertThat(original.statusCode()).isEqualTo(200);
      await().until(() -> slack.ids().size() == 1);
      first = db.requests().findOpen(Fixtures.ACME).getFirst();
      slack.awaitCardShows(first.id());
    }

    // Latchkey restarts on the same file; two minutes after it was signed, the same bytes again.
    wall.advance(Duration.ofMinutes(2));
    try (Database db = open(clock);
        SlackHarness slack = harness(db, clock, wall)) {
      int events = db.audit().forRequest(first.id()).size();

      HttpResponse<String> replayed =
          slack.postSigned(captured, FORM, signedAt, SlackHarness.SECRET, Map.of());

      assertThat(replayed.statusCode()).isEqualTo(200);
      assertThat(replayed.body()).isEmpty();
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .untilAsserted(
              () -> {
                assertThat(db.requests().findOpen(Fixtures.ACME))
                    .extracting(AccessRequest::id)
                    .containsExactly(first.id());
                assertThat(slack.cardPosts()).isEmpty();
                assertThat(slack.responses()).isEmpty();
              });
      assertThat(db.audit().forRequest(first.id())).hasSize(events);

      // Past the window the key is forgotten, and Slack's own signature check refuses the same
      // bytes anyway: their timestamp is stale.
      wall.advance(RepeatedDeliveryGuard.WINDOW);
      HttpResponse<String> fresh =
          slack.postSigned(
              slack
                  .commandBody(Fixtures.ENGINEER, Fixtures.CHANNEL, "help")
                  .replaceFirst("trigger_id=[^&]*", "trigger_id=13345224609.738474920.fresh"),
              FORM,
              wall.instant().getEpochSecond(),
              SlackHarness.SECRET,
              Map.of());
      assertThat(fresh.statusCode()).isEqualTo(200);
      assertThat(fresh.body()).contains("/access request");
      assertThat(db.seenDeliveries().forgetBefore(wall.instant().minus(Duration.ofMinutes(1))))
          .as("the old key was already forgotten; only the fresh one is left")
          .isZero();
      assertThat(db.seenDeliveries().forgetBefore(wall.instant().plusSeconds(1))).isEqualTo(1);

      HttpResponse<String> late =
          slack.postSigned(captured, FORM, signedAt, SlackHarness.SECRET, Map.of());

      assertThat(late.statusCode()).isEqualTo(401);
      assertThat(late.body()).startsWith("Stale or invalid X-Slack-Request-Timestamp.");
      assertThat(db.requests().findOpen(Fixtures.ACME)).hasSize(1);
    }
  }

  /**
   * The database's answer is asked where the command is acted on, after the acknowledgement: the
   * write waits for every other commit, and Slack gives up on an answer after 3 s.
   */
  @Test
  void aCommandIsAcknowledgedBeforeTheDeliveryLogAnswers() throws Exception {
    MutableClock clock = SlackHarness.start();
    DeliveryLog memory = DeliveryLog.inMemory();
    CountDownLatch logAnswers = new CountDownLatch(1);
    DeliveryLog slowLog =
        DeliveryLog.of(
            (key, at) -> {
              try {
                logAnswers.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return memory.seenBefore(key, at);
            },
            memory::forgetBefore);
    try (SlackHarness slack =
        new SlackHarness(
            Fixtures.customers(), clock, null, null, null, null, slowLog, Clock.systemUTC())) {
      slack.core.enable().enable(Fixtures.PROD, Fixtures.ADMIN, Set.of("readonly"));
      String body =
          slack.commandBody(Fixtures.ENGINEER, Fixtures.CHANNEL, "request prod readonly 1h ok");

      HttpResponse<String> ack =
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return slack.postSigned(body, FORM, Map.of());
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  })
              .get(5, TimeUnit.SECONDS);

      assertThat(ack.statusCode()).isEqualTo(200);
      assertThat(slack.ids()).as("nothing acted on before the log answered").isEmpty();
      logAnswers.countDown();
      await().until(() -> slack.ids().size() == 1);
    }
  }
}
