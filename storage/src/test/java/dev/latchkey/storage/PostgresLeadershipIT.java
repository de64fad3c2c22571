package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.session.GrantStanding;
import dev.latchkey.core.testing.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Leadership among replicas on a real PostgreSQL: one leader at a time, a new one once the old one
 * stops, and never two at once, whether the leader closes, its session is killed, or it freezes.
 * Opt-in like {@link PostgresIT}; each test gets a fresh database (advisory locks are per
 * database).
 */
@EnabledIfEnvironmentVariable(named = Engine.POSTGRES_URL, matches = ".+")
class PostgresLeadershipIT {
  static final Duration LEASE = Duration.ofSeconds(1);

  Engine engine;
  final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeEach
  void create() throws Exception {
    engine = Engine.postgres();
  }

  @AfterEach
  void drop() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
    engine.close();
  }

  PostgresLeadership replica() {
    PostgresLeadership leadership =
        new PostgresLeadership(
            () -> DriverManager.getConnection(engine.url(), engine.user(), engine.password()),
            LEASE,
            System::nanoTime,
            "test database");
    opened.add(leadership);
    return leadership.start();
  }

  @Test
  void exactlyOneReplicaLeadsAndAnotherTakesOverOnceItStops() {
    PostgresLeadership first = replica();
    assertThat(first.leads()).as("a new leader waits out any former one's lease").isFalse();
    PostgresLeadership second = replica();

    await().atMost(Duration.ofSeconds(5)).until(first::leads);
    assertThat(second.leads()).isFalse();

    AtomicReference<String> both = watchForTwoLeaders(first, second);
    first.close();
    await().atMost(Duration.ofSeconds(5)).until(second::leads);
    assertThat(first.leads()).isFalse();
    assertThat(both.get()).isNull();
  }

  @Test
  void aLeaderWhoseSessionIsKilledStopsAndNeverOverlapsTheNext() throws Exception {
    PostgresLeadership first = replica();
    PostgresLeadership second = replica();
    await().atMost(Duration.ofSeconds(5)).until(first::leads);

    AtomicReference<String> both = watchForTwoLeaders(first, second);
    long nanos = System.nanoTime();
    assertThat(killLockHolder()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> !first.leads());
    await().atMost(Duration.ofSeconds(5)).until(second::leads);

    assertThat(both.get()).isNull();
    assertThat(Duration.ofNanos(System.nanoTime() - nanos))
        .as("the new leader waits out a lease it cannot see")
        .isGreaterThanOrEqualTo(LEASE);
  }

  @Test
  void aFrozenLeaderStopsActingBeforeTheServerLetsAnotherLead() {
    PostgresLeadership first = replica();
    PostgresLeadership second = replica();
    await().atMost(Duration.ofSeconds(5)).until(first::leads);

    AtomicReference<String> both = watchForTwoLeaders(first, second);
    first.pauseForTest(true); // silent: as a stopped process would be
    await().atMost(Duration.ofSeconds(5)).until(() -> !first.leads());
    await().atMost(Duration.ofSeconds(10)).until(second::leads);

    first.pauseForTest(false); // it wakes up: its session is gone, and so is its lock
    await().pollDelay(LEASE).atMost(Duration.ofSeconds(5)).until(second::leads);
    assertThat(first.leads()).isFalse();
    assertThat(both.get()).isNull();
  }

  @Test
  void aDatabaseOnPostgresLeadsOnlyWhileNoOtherReplicaDoes() {
    Database first = engine.builder(new MutableClock(T0)).leadershipLease(LEASE).open();
    opened.add(first);
    Database second = engine.builder(new MutableClock(T0)).leadershipLease(LEASE).open();
    opened.add(second);

    await().atMost(Duration.ofSeconds(5)).until(() -> first.leadership().leads());
    assertThat(second.leadership().leads()).isFalse();

    first.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> second.leadership().leads());
  }

  @Test
  void deploymentsInSchemasOfTheirOwnEachHaveALeader() throws Exception {
    engine.execute("CREATE SCHEMA staging");
    PostgresLeadership prod = replica();
    PostgresLeadership staging =
        new PostgresLeadership(
            () -> {
              Connection c =
                  DriverManager.getConnection(engine.url(), engine.user(), engine.password());
              try (Statement s = c.createStatement()) {
                s.execute("SET search_path TO staging");
              }
              return c;
            },
            LEASE,
            System::nanoTime,
            "test database, schema staging");
    opened.add(staging);
    staging.start();

    await().atMost(Duration.ofSeconds(5)).until(() -> prod.leads() && staging.leads());
  }

  @Test
  void aReplicaSeesAnotherReplicasWriteAtItsNextReadAndKeepsNothingInMemory() {
    Database first = engine.builder(new MutableClock(T0)).leadershipLease(LEASE).open();
    opened.add(first);
    Database second = engine.builder(new MutableClock(T0)).leadershipLease(LEASE).open();
    opened.add(second);
    AccessRequest active = TestData.inState(RequestState.ACTIVE, TestData.id(1), T0, Scope.CLUSTER);
    first.requests().insert(active, List.of());
    assertThat(second.requests().standing(active.id())).contains(GrantStanding.of(active));

    second.requests().update(active, active.withState(RequestState.REVOKED), List.of());

    assertThat(first.requests().standingInMemory(active.id())).isEmpty();
    assertThat(first.requests().standing(active.id()))
        .map(GrantStanding::state)
        .contains(RequestState.REVOKED);
  }

  /** Samples both replicas every millisecond until the test ends; holds the first overlap seen. */
  private AtomicReference<String> watchForTwoLeaders(PostgresLeadership a, PostgresLeadership b) {
    AtomicReference<String> both = new AtomicReference<>();
    Thread watcher =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    if (a.leads() && b.leads()) {
                      both.compareAndSet(null, "both led at " + System.nanoTime());
                    }
                    try {
                      Thread.sleep(1);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    opened.add(watcher::interrupt);
    return both;
  }

  /** Ends the session holding Latchkey's lock, as an administrator or a cut connection would. */
  private int killLockHolder() throws SQLException {
    try (Connection c = engine.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype ="
                    + " 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE"
                    + " datname = current_database())")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
