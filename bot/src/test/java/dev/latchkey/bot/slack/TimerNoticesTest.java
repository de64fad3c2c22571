package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What people are told when the timers act: reminders, expiry, time-outs and overdue revocations.
 */
class TimerNoticesTest {
  private SlackHarness slack;

  @BeforeEach
  void start() throws Exception {
    slack = new SlackHarness().enableProd();
  }

  @AfterEach
  void stop() {
    slack.close();
  }

  private AccessRequest active() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h timers");
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.awaitCardShows(r.id());
    return slack.get(r.id());
  }

  @Test
  void requesterIsRemindedBeforeTheEndAndToldWhenAccessEnds() throws Exception {
    AccessRequest r = active();
    Instant end = r.expiresAt().orElseThrow();

    slack.clock.set(end.minus(Duration.ofMinutes(14)));
    slack.core.due().runAll();
    await()
        .untilAsserted(
            () ->
                assertThat(slack.directMessages())
                    .anySatisfy(
                        t ->
                            assertThat(t)
                                .contains(
                                    "Your access `" + r.id().value() + "`",
                                    "ends",
                                    "/access extend " + r.id().value())));

    slack.clock.set(end);
    slack.core.due().runAll();
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.EXPIRED));
    await()
        .untilAsserted(
            () -> {
              assertThat(slack.directMessages())
                  .anySatisfy(t -> assertThat(t).contains("has ended"));
              assertThat(slack.threadReplies(r.id()))
                  .anySatisfy(t -> assertThat(t).contains("Access expired"))
                  .anySatisfy(t -> assertThat(t).contains("Grant removed from the cluster"));
            });
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id()))
        .contains("Expired")
        .doesNotContain("Revoke now", "Revocation");
  }

  @Test
  void unansweredRequestTimesOut() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h nobody home");

    slack.clock.set(r.pendingExpiresAt());
    slack.core.due().runAll();

    await()
        .untilAsserted(
            () -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.TIMED_OUT));
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Timed out").doesNotContain("latchkey.approve");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.directMessages())
                    .anySatisfy(t -> assertThat(t).contains("timed out")));
  }

  @Test
  void overdueRevocationIsAnnouncedOnceAndTheCardSaysSo() throws Exception {
    AccessRequest r = active();
    Instant end = r.expiresAt().orElseThrow();
    slack.cluster.setReachable(false);

    slack.clock.set(end);
    slack.core.due().runAll();
    // The failed removal's bookkeeping (its retry) changes nothing the card shows and sends no
    // notice: the
    // periodic repair pass brings the card's recorded version up, as it does here.
    // The card waits a few seconds for the removal (CardSync.REMOVAL_WAIT) before it says it is
    // pending.
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> assertThat(slack.latestCard(r.id())).contains("Expired", "Revocation pending"));
    slack.surface.cardSync().syncOutOfDate();
    slack.awaitCardShows(r.id());

    slack.clock.set(end.plusSeconds(61));
    slack.core.due().runAll();
    slack.clock.set(end.plusSeconds(70));
    slack.core.due().runAll();

    await()
        .untilAsserted(
            () ->
                assertThat(slack.threadReplies(r.id()))
                    .filteredOn(t -> t.contains("could not be reached to remove it"))
                    .hasSize(1));
    // Also in the channel, not only in the thread.
    assertThat(slack.calls("chat.postMessage"))
        .filteredOn(c -> c.get("text").contains("could not be reached"))
        .singleElement()
        .satisfies(
            c ->
                assertThat(c)
                    .containsEntry("reply_broadcast", "1")
                    .containsEntry("channel", Fixtures.CHANNEL));
    slack.surface.cardSync().syncOutOfDate();
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Revocation overdue");

    slack.cluster.setReachable(true);
    slack.clock.set(end.plusSeconds(200));
    slack.core.due().runAll();
    await().untilAsserted(() -> assertThat(slack.get(r.id()).grantPresent()).isFalse());
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Expired").doesNotContain("Revocation");
    assertThat(slack.threadReplies(r.id()))
        .filteredOn(t -> t.contains("could not be reached"))
        .hasSize(1);
  }
}
