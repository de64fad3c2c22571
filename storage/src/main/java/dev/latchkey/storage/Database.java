package dev.latchkey.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.EnablementStore;
import dev.latchkey.core.port.Leadership;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.SessionStore;
import java.io.UncheckedIOException;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.LongSupplier;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latchkey's database: H2 in a file by default, PostgreSQL (or another H2) by JDBC URL. Opening it
 * migrates the schema (Flyway, {@code db/migration}) and starts a connection pool (HikariCP); the
 * stores share both.
 *
 * <pre>{@code
 * Database db = Database.builder(url).credentials(user, password)
 *     .sinks(List.of(JsonLinesAuditSink.stdout(), new JsonLinesAuditSink(Path.of("audit.jsonl"))))
 *     .open();
 * }</pre>
 *
 * <p>An H2 file database gets its folder and safe options first ({@link H2Urls}); the URL is shown
 * only redacted ({@link JdbcUrls}).
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /** The default database: an H2 file under {@code ./data/}. */
  public static final String DEFAULT_URL = "jdbc:h2:file:./data/latchkey";

  /** H2's default account; the password is empty. */
  public static final String DEFAULT_USER = "sa";

  static final int DEFAULT_POOL_SIZE = 10;

  /**
   * How long a PostgreSQL leader may go silent before the server ends its session; a replica that
   * takes the lock then waits as long again, so a frozen leader is replaced within about two.
   */
  public static final Duration DEFAULT_LEADERSHIP_LEASE = Duration.ofSeconds(10);

  private final HikariDataSource pool;
  private final AuditForwarder forwarder;
  private final RequestStore requests;
  private final JdbiAuditLog audit;
  private final EnablementStore enablements;
  private final CardStore cards;
  private final SessionStore sessions;
  private final SeenDeliveries seenDeliveries;
  private final Standings standings;
  private final String description;

  /** With PostgreSQL, this replica's part in choosing the leader; null with H2. */
  private volatile PostgresLeadership elected;

  private Database(
      HikariDataSource pool,
      List<AuditSink> sinks,
      Clock clock,
      LongSupplier ticker,
      Standings standings,
      String description) {
    this.pool = pool;
    this.standings = standings;
    this.description = description;
    Sql sql = new Sql(Jdbi.create(pool));
    this.forwarder = new AuditForwarder(sql, sinks, ticker);
    AuditChain chain = new AuditChain(forwarder::wake);
    this.requests = new JdbiRequestStore(sql, chain, clock, standings);
    this.audit = new JdbiAuditLog(sql, chain);
    this.enablements = new JdbiEnablementStore(sql, chain);
    this.cards = new JdbiCardStore(sql, clock);
    this.sessions = new JdbiSessionStore(sql, chain);
    this.seenDeliveries = new SeenDeliveries(sql);
  }

  /** Opens the database at {@code jdbcUrl}; audit events are forwarded to stdout. */
  public static Database open(String jdbcUrl, String user, String password) {
    return builder(jdbcUrl).credentials(user, password).open();
  }

  /**
   * Opens the database at {@code jdbcUrl}, forwarding audit events to {@code sinks} (none when
   * empty).
   */
  public static Database open(String jdbcUrl, String user, String password, List<AuditSink> sinks) {
    return builder(jdbcUrl).credentials(user, password).sinks(sinks).open();
  }

  /** The default H2 file {@value #DEFAULT_URL}; audit events are forwarded to stdout. */
  public static Database openDefault() {
    return open(DEFAULT_URL, DEFAULT_USER, "");
  }

  public static Builder builder(String jdbcUrl) {
    return new Builder(jdbcUrl);
  }

  public RequestStore requests() {
    return requests;
  }

  public AuditLog audit() {
    return audit;
  }

  /**
   * Walks the whole audit chain in one snapshot: the head as recorded, and intact or the first
   * broken link. Reads every event, so its cost grows with the chain.
   */
  public AuditVerification verifyAudit() {
    return audit.verification();
  }

  /**
   * Forwards every committed audit event each sink has not yet received, now, in the calling
   * thread, retrying failed sinks at once, and reports where each sink stands. Forwarding also runs
   * by itself in the background (after each commit, at open and on retry); this is for tools and
   * tests that need it done before they go on.
   */
  public List<AuditForwarding> forwardAudit() {
    return forwarder.forwardNow();
  }

  /** Where forwarding to each sink stands (read from the database; forwards nothing). */
  public List<AuditForwarding> auditForwarding() {
    return forwarder.status();
  }

  public EnablementStore enablements() {
    return enablements;
  }

  public CardStore cards() {
    return cards;
  }

  /** The session gateway's records: session logs, sessions and their recordings. */
  public SessionStore sessions() {
    return sessions;
  }

  /** Slack deliveries already handled, for recognising one delivered again. */
  public SeenDeliveries seenDeliveries() {
    return seenDeliveries;
  }

  /**
   * Whether this process leads among the replicas sharing this database: with PostgreSQL, the one
   * replica whose own session holds Latchkey's advisory lock ({@link PostgresLeadership}); with H2,
   * always (the file is this process's; an H2 URL that lets other processes in gives every one of
   * them the timers, as before leadership existed).
   */
  public Leadership leadership() {
    PostgresLeadership leading = elected;
    return leading == null ? Leadership.sole() : leading;
  }

  /** Whether the database answers a trivial query now; never throws. */
  public boolean ping() {
    if (pool.isClosed()) {
      return false;
    }
    try (var connection = pool.getConnection();
        var statement = connection.createStatement();
        var result = statement.executeQuery("SELECT 1")) {
      return result.next() && result.getInt(1) == 1;
    } catch (Exception e) {
      LOG.debug("database {} did not answer: {}", description, e.toString());
      return false;
    }
  }

  /**
   * Stops background forwarding after a last attempt to forward what is left, then closes the pool
   * and the sinks this database was given. Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (!pool.isClosed()) {
      try {
        forwarder.stop();
      } catch (RuntimeException e) {
        LOG.warn("audit forwarding could not finish before closing: {}", e.getMessage());
      }
      if (elected != null) {
        elected.close();
      }
      standings.release();
      try {
        pool.close();
      } finally {
        forwarder.closeSinks();
      }
    }
  }

  @Override
  public String toString() {
    return "Database[" + description + "]";
  }

  /** Settings for {@link #open()}; only the URL is required. */
  public static final class Builder {
    private final String jdbcUrl;
    private String user = DEFAULT_USER;
    private String password = "";
    private final List<AuditSink> sinks = new ArrayList<>(List.of(JsonLinesAuditSink.stdout()));
    private Clock clock = Clock.systemUTC();
    private LongSupplier ticker = System::nanoTime;
    private int poolSize = DEFAULT_POOL_SIZE;
    private Duration leadershipLease = DEFAULT_LEADERSHIP_LEASE;

    private Builder(String jdbcUrl) {
      this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    }

    public Builder credentials(String user, String password) {
      this.user = Objects.requireNonNull(user, "user");
      this.password = password == null ? "" : password;
      return this;
    }

    /**
     * Replaces the sinks audit events are forwarded to (stdout unless replaced; an empty list
     * forwards nothing). Names must differ: each sink's progress is kept in the database under its
     * name.
     */
    public Builder sinks(List<AuditSink> sinks) {
      this.sinks.clear();
      this.sinks.addAll(sinks);
      return this;
    }

    /** Adds a sink to those already set (stdout by default). */
    public Builder addSink(AuditSink sink) {
      this.sinks.add(Objects.requireNonNull(sink, "sink"));
      return this;
    }

    /**
     * The clock for the store's own bookkeeping (when a row changed; how old a cardless request
     * is).
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Elapsed time in nanoseconds ({@code System::nanoTime} unless given), for pacing the retries
     * of a failing audit sink: pacing decides nothing about requests, so it does not read the
     * clock.
     */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    public Builder poolSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("pool size must be at least 1");
      }
      this.poolSize = size;
      return this;
    }

    /**
     * With PostgreSQL: how long a leader may go silent before another replica may lead (at least 1
     * s; {@link #DEFAULT_LEADERSHIP_LEASE} unless set).
     */
    public Builder leadershipLease(Duration lease) {
      this.leadershipLease = PostgresLeadership.checkedLease(lease);
      return this;
    }

    /**
     * Connects, migrates the schema and returns the open database; {@link StoreException} when it
     * cannot.
     */
    public Database open() {
      String url = H2Urls.prepare(jdbcUrl);
      // Before the file is opened: a URL that lets other processes in stops memory at once.
      Standings standings = Standings.of(url);
      try {
        return open(url, standings);
      } catch (RuntimeException e) {
        standings.release();
        throw e;
      }
    }

    private Database open(String url, Standings standings) {
      String description = JdbcUrls.redact(jdbcUrl);
      HikariConfig config = new HikariConfig();
      config.setPoolName("latchkey-db");
      config.setJdbcUrl(url);
      config.setUsername(user);
      config.setPassword(password);
      config.setMaximumPoolSize(poolSize);
      config.setMinimumIdle(Math.min(2, poolSize));
      config.setConnectionTimeout(10_000);
      config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
      boolean postgres = url.startsWith("jdbc:postgresql:");
      if (postgres) {
        // PostgreSQL's error detail quotes the failing row ("Failing row contains (…)": reasons,
        // emails); its
        // message and SQLSTATE say enough, and exceptions reach the logs.
        config.addDataSourceProperty("logServerErrorDetail", "false");
      }
      HikariDataSource pool;
      try {
        pool = new HikariDataSource(config);
      } catch (RuntimeException e) {
        throw new StoreException(
            "could not connect to database " + description + " as " + user + ": " + Sql.reason(e),
            e);
      }
      try {
        Flyway.configure()
            .dataSource(pool)
            .locations("classpath:db/migration")
            .failOnMissingLocations(true)
            .load()
            .migrate();
      } catch (FlywayException | UncheckedIOException e) {
        pool.close();
        throw new StoreException(
            "could not migrate the schema of database " + description + ": " + Sql.reason(e), e);
      } catch (RuntimeException e) {
        pool.close();
        throw e;
      }
      Database database;
      try {
        database = new Database(pool, sinks, clock, ticker, standings, description);
        database.forwarder.register();
      } catch (RuntimeException e) {
        pool.close();
        throw e;
      }
      if (postgres) {
        try {
          database.elected =
              new PostgresLeadership(
                  () -> DriverManager.getConnection(url, leaderSessionProperties()),
                  leadershipLease,
                  // Real elapsed time, as the server counts a silent session's.
                  System::nanoTime,
                  description);
          database.elected.start();
        } catch (RuntimeException e) {
          database.close();
          throw e;
        }
      }
      LOG.info("database {} open", description);
      // Catches up in the background on events committed but not forwarded (a crash, a sink that
      // was down).
      try {
        database.forwarder.start();
      } catch (RuntimeException e) {
        database.close();
        throw e;
      }
      return database;
    }

    /**
     * The leader's own session: on the primary of a multi-host URL, and never waiting on the
     * network for long (a leader that cannot confirm stops leading at its lease's end anyway; a
     * stop should not wait for a hung confirmation).
     */
    private Properties leaderSessionProperties() {
      Properties properties = new Properties();
      properties.setProperty("user", user);
      properties.setProperty("password", password);
      properties.setProperty("logServerErrorDetail", "false");
      properties.setProperty("tcpKeepAlive", "true");
      properties.setProperty("targetServerType", "primary");
      long seconds = Math.max(1, Math.min(5, leadershipLease.toSeconds() / 2));
      properties.setProperty("connectTimeout", Long.toString(seconds));
      properties.setProperty("socketTimeout", Long.toString(seconds));
      return properties;
    }
  }
}
