package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.id;
import static dev.latchkey.storage.TestData.inState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.RequestStore.Change;
import dev.latchkey.core.session.GrantStanding;
import dev.latchkey.core.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Standings in memory: kept only for a database this process alone writes, and never older than the
 * records once a write has returned.
 */
class StandingsTest extends EngineTest {
  final MutableClock clock = new MutableClock(T0);
  Database db;
  RequestStore store;

  @BeforeEach
  void open() {
    db = engine.open(clock);
    store = db.requests();
  }

  @AfterEach
  void close() {
    db.close();
  }

  /** Whether this engine's database is one only this process writes (the H2 file). */
  boolean keepsStandings() {
    return H2Urls.embeddedFile(engine.url()).isPresent() && !H2Urls.othersMayWrite(engine.url());
  }

  @Test
  void aStandingReadIsKeptUntilItsRequestIsWritten() {
    AccessRequest active = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
    store.insert(active, List.of());
    assertThat(store.standingInMemory(active.id())).isEmpty();

    assertThat(store.standing(active.id())).contains(GrantStanding.of(active));
    assertThat(store.standingInMemory(active.id()))
        .isEqualTo(keepsStandings() ? Optional.of(GrantStanding.of(active)) : Optional.empty());

    AccessRequest revoked = active.withState(RequestState.REVOKED);
    store.update(active, revoked, List.of());
    assertThat(store.standingInMemory(active.id())).isEmpty();
    assertThat(store.standing(active.id()))
        .map(GrantStanding::state)
        .contains(RequestState.REVOKED);
  }

  @Test
  void aLostRaceStillForgetsWhatWasKept() {
    AccessRequest active = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
    store.insert(active, List.of());
    AccessRequest revoked = active.withState(RequestState.REVOKED);
    store.update(active, revoked, List.of());
    store.standing(active.id());

    // A caller holding the old version loses; what memory held is dropped all the same.
    store.update(active, active.withState(RequestState.EXPIRED), List.of());
    assertThat(store.standingInMemory(active.id())).isEmpty();
    assertThat(store.standing(active.id()))
        .map(GrantStanding::state)
        .contains(RequestState.REVOKED);
  }

  @Test
  void aBatchOfChangesForgetsEveryRequestItChanged() {
    List<AccessRequest> active = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      AccessRequest r = inState(RequestState.ACTIVE, id(n), T0, Scope.CLUSTER);
      store.insert(r, List.of());
      active.add(r);
    }
    store.standings(active.stream().map(AccessRequest::id).toList());
    if (keepsStandings()) {
      assertThat(active).allSatisfy(r -> assertThat(store.standingInMemory(r.id())).isPresent());
    }

    store.updateAll(
        active.subList(0, 2).stream()
            .map(r -> new Change(r, r.withState(RequestState.EXPIRED), List.of()))
            .toList());

    assertThat(store.standingInMemory(id(1))).isEmpty();
    assertThat(store.standingInMemory(id(2))).isEmpty();
    assertThat(store.standingInMemory(id(3)).isPresent()).isEqualTo(keepsStandings());
    assertThat(store.standing(id(1))).map(GrantStanding::state).contains(RequestState.EXPIRED);
  }

  @Test
  void twoDatabasesOnOneFileSeeEachOthersWrites() {
    AccessRequest active = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
    store.insert(active, List.of());
    store.standing(active.id());
    try (Database other = engine.open(clock)) {
      other.requests().update(active, active.withState(RequestState.REVOKED), List.of());
    }
    assertThat(store.standing(active.id()))
        .map(GrantStanding::state)
        .contains(RequestState.REVOKED);
  }

  @Test
  void aReadThatOverlapsAWriteIsNotKept() {
    Standings standings = Standings.of(engine.url());
    try {
      GrantStanding old = GrantStanding.of(inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER));
      long stamp = standings.readStarts();
      standings.written(List.of(id(1))); // a write committed while the read was under way
      standings.read(stamp, old);
      assertThat(standings.known(id(1))).isEmpty();

      long later = standings.readStarts();
      standings.read(later, old);
      assertThat(standings.known(id(1)).isPresent()).isEqualTo(keepsStandings());
      standings.written(List.of(id(1))); // a write after the read was kept
      assertThat(standings.known(id(1))).isEmpty();
    } finally {
      standings.release();
    }
  }

  /**
   * The promise the gateway relies on: a read that starts after a write has returned sees that
   * write, however reads and writes interleave.
   */
  @Test
  void aReadAfterAWriteReturnedNeverSeesAnOlderStanding() throws Exception {
    AccessRequest first = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
    store.insert(first, List.of());
    Instant end = first.expiresAt().orElseThrow();
    AtomicLong returned = new AtomicLong(); // the last write that has returned: end + n seconds
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicReference<String> failure = new AtomicReference<>();
    List<Thread> readers = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(3);
    for (int t = 0; t < 3; t++) {
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    started.countDown();
                    while (writing.get() && failure.get() == null) {
                      long before = returned.get();
                      long seen =
                          store
                                  .standing(first.id())
                                  .orElseThrow()
                                  .expiresAt()
                                  .orElseThrow()
                                  .getEpochSecond()
                              - end.getEpochSecond();
                      if (seen < before) {
                        failure.set("read " + seen + " after write " + before + " had returned");
                      }
                    }
                  });
      readers.add(reader);
    }
    started.await();
    AccessRequest current = first;
    for (int n = 1; n <= 300 && failure.get() == null; n++) {
      AccessRequest next = current.withExpiresAt(end.plusSeconds(n));
      RequestStore.Update update = store.update(current, next, List.of());
      current = ((RequestStore.Update.Applied) update).stored();
      returned.set(n);
    }
    writing.set(false);
    for (Thread reader : readers) {
      reader.join();
    }
    assertThat(failure.get()).isNull();
  }

  @Test
  void aClosedDatabaseAnswersNothingFromMemory() {
    AccessRequest active = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
    store.insert(active, List.of());
    store.standing(active.id());
    db.close();
    assertThat(store.standingInMemory(active.id())).isEmpty();
  }

  @Test
  void theSameFileThroughALinkSharesOneMemory() throws Exception {
    Path file = H2Urls.embeddedFile(engine.url()).orElse(null);
    Assumptions.assumeTrue(file != null, "an H2 file");
    Path link = Files.createSymbolicLink(dir.resolve("link"), file.getParent());
    Standings viaLink = Standings.of("jdbc:h2:file:" + link.resolve(file.getFileName()));
    try {
      AccessRequest active = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
      store.insert(active, List.of());
      viaLink.read(viaLink.readStarts(), GrantStanding.of(active));
      assertThat(viaLink.known(active.id())).isPresent();

      store.update(active, active.withState(RequestState.REVOKED), List.of());
      assertThat(viaLink.known(active.id())).isEmpty();
    } finally {
      viaLink.release();
    }
  }

  @Test
  void oneUrlLettingOtherProcessesInStopsMemoryForTheWholeFile() {
    Assumptions.assumeTrue(keepsStandings(), "an H2 file");
    AccessRequest active = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
    store.insert(active, List.of());
    store.standing(active.id());
    assertThat(store.standingInMemory(active.id())).isPresent();

    Standings shared = Standings.of(engine.url() + ";AUTO_SERVER=TRUE");
    try {
      assertThat(store.standingInMemory(active.id())).isEmpty();
      store.standing(active.id());
      assertThat(store.standingInMemory(active.id())).as("nothing kept any more").isEmpty();
    } finally {
      shared.release();
    }
  }
}
