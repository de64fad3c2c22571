package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.CardStore.CardRef;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.testing.MutableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CardStoreTest extends EngineTest {
  final MutableClock clock = new MutableClock(T0);
  Database db;
  CardStore cards;

  @BeforeEach
  void open() {
    db = engine.open(clock);
    cards = db.cards();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void theFirstSavedCardStaysAndIsFoundByItsMessage() {
    AccessRequest r = insert(1);
    cards.save(r.id(), new CardRef("C0SHARED", "1700000000.000100"));
    cards.save(r.id(), new CardRef("C0SHARED", "1700000000.000200"));

    assertThat(cards.find(r.id())).contains(new CardRef("C0SHARED", "1700000000.000100"));
    assertThat(cards.findByMessage("C0SHARED", "1700000000.000100")).contains(r.id());
    assertThat(cards.findByMessage("C0SHARED", "1700000000.000200")).isEmpty();
    assertThat(cards.findByMessage("C0OTHER", "1700000000.000100")).isEmpty();
    assertThat(cards.find(id(2))).isEmpty();
  }

  @Test
  void concurrentSavesKeepOneCard() throws Exception {
    AccessRequest r = insert(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> saves = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String ts = "1700000000.00000" + i;
      saves.add(
          pool.submit(
              () -> {
                start.await();
                cards.save(r.id(), new CardRef("C0SHARED", ts));
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : saves) {
      f.get(10, TimeUnit.SECONDS);
    }
    pool.shutdown();

    CardRef kept = cards.find(r.id()).orElseThrow();
    assertThat(cards.findByMessage(kept.channelId(), kept.ts())).contains(r.id());
  }

  @Test
  void aCardForAnUnknownRequestIsRefused() {
    assertThatThrownBy(() -> cards.save(id(9), new CardRef("C0SHARED", "1.2")))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("could not store the card of " + id(9));
  }

  @Test
  void aFailedStatementsBoundValuesStayOutOfItsStackTrace() {
    Throwable failure = catchThrowable(() -> cards.save(id(9), new CardRef("C0BOUNDVALUE", "1.2")));

    // What log.error("…", e) writes: the message and every cause's.
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    assertThat(failure).isInstanceOf(StoreException.class);
    assertThat(trace.toString()).doesNotContain("C0BOUNDVALUE");
  }

  @Test
  void aCardIsOutOfDateUntilItShowsTheCurrentVersionAndAStaleNoteNeverLowersIt() throws Exception {
    AccessRequest v0 = insert(1);
    assertThat(cards.findOutOfDate(10)).containsExactly(v0.id());

    cards.save(v0.id(), new CardRef("C0SHARED", "1.1"));
    assertThat(cards.findOutOfDate(10)).containsExactly(v0.id());
    cards.markShown(v0.id(), 0);
    assertThat(cards.findOutOfDate(10)).isEmpty();

    AccessRequest v1 = update(v0, v0.withReminderSent(true));
    AccessRequest v2 = update(v1, v1.withReminderSent(false));
    assertThat(cards.findOutOfDate(10)).containsExactly(v0.id());
    cards.markShown(v0.id(), 2);
    cards.markShown(v0.id(), 1); // a slower update finishing late
    assertThat(cards.findOutOfDate(10)).isEmpty();
    assertThat(shownVersion(v0.id())).isEqualTo(2);

    update(v2, v2.withReminderSent(true));
    assertThat(cards.findOutOfDate(10)).containsExactly(v0.id());
    cards.markShown(v0.id(), 2);
    assertThat(cards.findOutOfDate(10)).containsExactly(v0.id());
    cards.markShown(v0.id(), 3);
    assertThat(cards.findOutOfDate(10)).isEmpty();
  }

  @Test
  void severalCardsAreNotedShownTogetherAndTheirVersionsAreRead() {
    AccessRequest a = insert(1);
    AccessRequest b = insert(2);
    cards.save(a.id(), new CardRef("C0SHARED", "1700000000.000201"));
    cards.save(b.id(), new CardRef("C0SHARED", "1700000000.000202"));
    assertThat(cards.shownVersion(a.id())).hasValue(-1);
    assertThat(cards.shownVersion(id(9))).isEmpty();

    cards.markShownAll(java.util.Map.of(a.id(), 0L, b.id(), 0L));

    assertThat(cards.shownVersion(a.id())).hasValue(0);
    assertThat(cards.shownVersion(b.id())).hasValue(0);
    assertThat(cards.findOutOfDate(10)).isEmpty();
  }

  @Test
  void outOfDateIsOldestChangeFirstAndSkipsCardlessRequestsThatEndedLongAgo() {
    // Ended two days ago, never got a card: left out.
    AccessRequest oldCardless = insert(1);
    ended(oldCardless, T0.minus(Duration.ofDays(2)));
    // Ended two days ago with a card behind: still repaired.
    AccessRequest oldWithCard = insert(2);
    cards.save(oldWithCard.id(), new CardRef("C0SHARED", "2.0"));
    ended(oldWithCard, T0.minus(Duration.ofDays(2)));
    clock.advance(Duration.ofSeconds(1));
    // Ended an hour ago, no card: still gets one.
    AccessRequest recentCardless = insert(3);
    clock.advance(Duration.ofSeconds(1));
    AccessRequest open = insert(4);
    clock.advance(Duration.ofSeconds(1));
    AccessRequest upToDate = insert(5);
    cards.save(upToDate.id(), new CardRef("C0SHARED", "5.0"));
    cards.markShown(upToDate.id(), 0);
    clock.advance(Duration.ofSeconds(1));
    ended(recentCardless, T0.minus(Duration.ofHours(1)));

    assertThat(cards.findOutOfDate(10))
        .containsExactly(oldWithCard.id(), open.id(), recentCardless.id());
    assertThat(cards.findOutOfDate(2)).containsExactly(oldWithCard.id(), open.id());
    assertThat(cards.findOutOfDate(0)).isEmpty();

    // A day later the recent one has aged out too.
    clock.advance(Duration.ofDays(1));
    assertThat(cards.findOutOfDate(10)).containsExactly(oldWithCard.id(), open.id());
  }

  private AccessRequest insert(int n) {
    AccessRequest r = TestData.pending(id(n), T0);
    db.requests().insert(r, List.of());
    return r;
  }

  private void ended(AccessRequest r, Instant at) {
    AccessRequest current = db.requests().find(r.id()).orElseThrow();
    update(current, current.withState(RequestState.CANCELLED).withEnd(at, Actor.SYSTEM));
  }

  private AccessRequest update(AccessRequest current, AccessRequest next) {
    return ((RequestStore.Update.Applied) db.requests().update(current, next, List.of())).stored();
  }

  private long shownVersion(RequestId id) throws Exception {
    return Long.parseLong(
        engine.queryText(
            "SELECT shown_version FROM cards WHERE request_id = '" + id.value() + "'"));
  }
}
