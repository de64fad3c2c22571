package dev.latchkey.bot.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.slack.api.bolt.App;
import com.slack.api.bolt.AppConfig;
import dev.latchkey.core.Backoff;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How SocketModeLink keeps its connections: backoff, and Slack's link_disabled. */
class SocketModeLinkTest {
  private static final Backoff FAST = new Backoff(Duration.ofMillis(20), Duration.ofMillis(80));

  private SocketModeStandIn standIn;
  private SocketModeLink link;

  @BeforeEach
  void setUp() throws Exception {
    standIn = new SocketModeStandIn();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (link != null) {
      link.close();
    }
    standIn.close();
  }

  @Test
  void backoffStartsAtOnceThenDoublesToItsCap() {
    assertThat(List.of(0, 1, 2, 3, 4, 5, 30).stream().map(n -> FAST.after(n).toMillis()))
        .containsExactly(0L, 20L, 40L, 80L, 80L, 80L, 80L);
    assertThat(SocketModeLink.RECONNECT.after(6)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aFailingConnectionsOpenIsRetriedWithGrowingPausesUntilItWorks() {
    List<Long> calls = new CopyOnWriteArrayList<>();
    AtomicInteger failuresLeft = new AtomicInteger(3);
    link =
        new SocketModeLink(
            app(),
            () -> {
              calls.add(System.nanoTime());
              if (failuresLeft.getAndDecrement() > 0) {
                throw new IOException("Slack answered ratelimited");
              }
              return standIn.url();
            },
            FAST);
    link.start();

    await().until(link::connected);
    assertThat(calls).hasSize(4);
    for (int i = 1; i < calls.size(); i++) {
      long pauseMillis = (calls.get(i) - calls.get(i - 1)) / 1_000_000;
      assertThat(pauseMillis)
          .as("pause before try %d", i + 1)
          .isGreaterThanOrEqualTo(FAST.after(i).toMillis());
    }
  }

  @Test
  void linkDisabledStopsReconnectingAndSaysWhy() {
    AtomicInteger opened = new AtomicInteger();
    link =
        new SocketModeLink(
            app(),
            () -> {
              opened.incrementAndGet();
              return standIn.url();
            },
            FAST);
    link.start();
    await().until(link::connected);

    standIn.link(0).send("{\"type\":\"disconnect\",\"reason\":\"link_disabled\"}");
    await().until(() -> link.problem().orElse("").contains("link_disabled"));
    standIn.link(0).drop();
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(3))
        .until(() -> opened.get() == 1 && standIn.links.size() == 1);
    assertThat(link.connected()).isFalse();
  }

  private static App app() {
    return new App(
        AppConfig.builder().singleTeamBotToken("xoxb-test").signingSecret("unused").build());
  }
}
