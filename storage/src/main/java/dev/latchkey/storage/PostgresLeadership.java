package dev.latchkey.storage;

import dev.latchkey.core.port.Leadership;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership among replicas sharing one PostgreSQL database: the leader is the replica whose own
 * session (a connection of its own, outside the pool) holds a session-level advisory lock.
 *
 * <p>PostgreSQL frees the lock the moment that session ends: the leader's process exits or is
 * killed (its socket closes), or the session is ended by the server. So that a leader that is
 * frozen (a stopped process, a long pause) cannot keep the lock, its session is ended by the server
 * once it has been silent for the lease ({@code idle_session_timeout}); a live leader confirms its
 * lock several times a lease. It counts the lease from before it sent each confirmation, by its own
 * clock, and stops answering {@link #leads()} true once that lease has run out: before the server
 * can have ended its session, so before another replica can take the lock. A frozen leader that
 * wakes up therefore acts no more, and learns on its next confirmation that its session is gone.
 *
 * <p>The lock can also be freed while its holder still counts on its lease (the session killed by
 * an administrator or cut by the network, the server restarted), so a replica that takes it first
 * waits one lease: whoever held it before has stopped acting by then. The first replica to start
 * therefore leads a lease after it starts, and a failover takes at most two leases.
 */
final class PostgresLeadership implements Leadership, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresLeadership.class);

  /**
   * The advisory lock's key: "Latc" in ASCII in its upper half, so that no other application picks
   * it, and the schema's name hashed in its lower half, so that deployments sharing a database in
   * schemas of their own each have a leader.
   */
  static long lockKey(String schema) {
    return 0x4c61746300000000L | (schema.hashCode() & 0xffffffffL);
  }

  /** Opens the leader's own session; throws when the database cannot be reached. */
  interface Sessions {
    Connection open() throws SQLException;
  }

  private final Sessions sessions;
  private final Duration lease;
  private final long leaseNanos;
  private final LongSupplier ticker;
  private final String description;
  private final ScheduledExecutorService beats =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("latchkey-leadership").daemon().factory());

  // Only the beat thread touches the session.
  private Connection session;
  private long lockKey;
  private int backend; // the server process of the session, which holds the lock
  private boolean serverEndsSilentSessions;
  private volatile boolean held;
  private volatile long actsFrom;
  private volatile long leaseEndsAt;
  // The lease's end by the wall clock too: the ticker stops while a VM is suspended.
  private volatile long leaseEndsAtMillis;
  private volatile boolean paused; // for tests: a leader that is frozen
  private boolean reaching = true; // whether the last try reached the database

  PostgresLeadership(Sessions sessions, Duration lease, LongSupplier ticker, String description) {
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.lease = checkedLease(lease);
    this.leaseNanos = lease.toNanos();
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.description = Objects.requireNonNull(description, "description");
  }

  /** {@code lease}, when it is one a leader can keep: at least 1 s. */
  static Duration checkedLease(Duration lease) {
    if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("the leadership lease must be at least 1 s: " + lease);
    }
    return lease;
  }

  /**
   * Tries for the lock at once (the first replica to start then leads a lease later), then every
   * beat.
   */
  PostgresLeadership start() {
    beat();
    long every = Math.max(100, lease.toMillis() / 5);
    beats.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  @Override
  public boolean leads() {
    long now = ticker.getAsLong();
    return held
        && now - actsFrom >= 0
        && leaseEndsAt - now > 0
        && System.currentTimeMillis() < leaseEndsAtMillis;
  }

  /** Stops confirming, as a frozen process would (tests only). */
  void pauseForTest(boolean pause) {
    this.paused = pause;
  }

  /** Ends the session, which frees the lock at once for another replica. */
  @Override
  public void close() {
    beats.shutdownNow();
    try {
      beats.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (held) {
        LOG.info("this replica stops leading the timers (shutting down)");
      }
      held = false;
      closeSession();
    }
  }

  private synchronized void beat() {
    if (paused) {
      return;
    }
    long sentAt = ticker.getAsLong();
    long sentAtMillis = System.currentTimeMillis();
    try {
      if (session == null || session.isClosed()) {
        session = open();
      }
      boolean holds = held ? confirm() : tryLock();
      if (holds) {
        if (!held) {
          // Counted from the answer: the lock was freed at the latest when it was given.
          actsFrom = ticker.getAsLong() + leaseNanos;
          held = true;
          LOG.info(
              "this replica took the leadership lock on {}: it runs the timers, reconciliation"
                  + " and card repair from {} s on, once any former leader has stopped{}",
              description,
              lease.toSeconds(),
              serverEndsSilentSessions ? "" : "; a frozen leader keeps it until its session ends");
        }
        leaseEndsAt = sentAt + leaseNanos;
        leaseEndsAtMillis = sentAtMillis + lease.toMillis();
      } else if (held) {
        lose("its lock is no longer held by its session");
      }
      if (!reaching) {
        reaching = true;
        LOG.info("leadership: {} answers again", description);
      }
    } catch (SQLException | RuntimeException e) {
      if (held) {
        lose("its database session ended: " + Sql.reason(e));
      } else if (reaching) {
        // Until it answers, this replica cannot lead; if none can, no timers run anywhere.
        LOG.warn(
            "leadership: cannot reach {} to take the lock, retrying: {}",
            description,
            Sql.reason(e));
      }
      reaching = false;
      closeSession();
    }
  }

  private Connection open() throws SQLException {
    Connection opened = sessions.open();
    try (Statement s = opened.createStatement()) {
      try (ResultSet rs =
          s.executeQuery("SELECT pg_is_in_recovery(), current_schema(), pg_backend_pid()")) {
        rs.next();
        if (rs.getBoolean(1)) {
          // A standby would give its own lock to whoever reaches it: two leaders.
          throw new SQLException("the leadership session reached a standby, not the primary");
        }
        lockKey = lockKey(String.valueOf(rs.getString(2)));
        backend = rs.getInt(3);
      }
      s.execute("SET application_name = 'latchkey leadership'");
      try {
        s.execute("SET idle_session_timeout = " + lease.toMillis());
        serverEndsSilentSessions = true;
      } catch (SQLException e) {
        // PostgreSQL before 14: the lock is freed only when the session ends.
        serverEndsSilentSessions = false;
        LOG.warn(
            "leadership: {} cannot end a silent session (idle_session_timeout needs PostgreSQL"
                + " 14): a frozen leader keeps leading until its connection ends",
            description);
      }
    } catch (SQLException | RuntimeException e) {
      opened.close();
      throw e;
    }
    return opened;
  }

  private boolean tryLock() throws SQLException {
    try (PreparedStatement s =
        session.prepareStatement("SELECT pg_try_advisory_lock(?), pg_backend_pid()")) {
      s.setLong(1, lockKey);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        sameBackend(rs.getInt(2));
        return rs.getBoolean(1);
      }
    }
  }

  /**
   * A session-level lock belongs to one server process: a pooler in transaction mode hands each
   * statement to any of them, and a lock taken there is kept by a connection no one confirms.
   */
  private void sameBackend(int pid) throws SQLException {
    if (pid != backend) {
      LOG.error(
          "leadership: {} is reached through a pooler in transaction mode (each statement ran on"
              + " another server connection): no replica can lead so; connect directly or in"
              + " session mode",
          description);
      throw new SQLException("statements of the leadership session ran on different connections");
    }
  }

  /** Whether this session still holds the lock; also keeps the session from falling silent. */
  private boolean confirm() throws SQLException {
    try (PreparedStatement s =
        session.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid"
                + " = pg_backend_pid() AND objsubid = 1 AND ((classid::bigint << 32) |"
                + " objid::bigint) = ?), pg_backend_pid()")) {
      s.setLong(1, lockKey);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        sameBackend(rs.getInt(2));
        return rs.getBoolean(1);
      }
    }
  }

  private void lose(String why) {
    held = false;
    LOG.warn("this replica no longer leads the timers: {}", why);
  }

  private void closeSession() {
    if (session != null) {
      try {
        session.close();
      } catch (SQLException e) {
        LOG.debug("leadership: closing the session failed: {}", e.toString());
      }
      session = null;
    }
  }
}
