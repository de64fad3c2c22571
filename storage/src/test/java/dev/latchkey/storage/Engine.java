package dev.latchkey.storage;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a test's database lives: an H2 file in the test's temporary folder, or a fresh PostgreSQL
 * database on the server named by {@value #POSTGRES_URL} (opt-in, see {@code PostgresIT}). Plain
 * SQL goes through the same URL, to tamper with rows as someone with database access could.
 */
abstract class Engine implements AutoCloseable {
  static final String POSTGRES_URL = "LATCHKEY_TEST_POSTGRES_URL";
  static final String POSTGRES_USER = "LATCHKEY_TEST_POSTGRES_USER";
  static final String POSTGRES_PASSWORD = "LATCHKEY_TEST_POSTGRES_PASSWORD";

  abstract String url();

  abstract String user();

  abstract String password();

  boolean isH2() {
    return url().startsWith("jdbc:h2:");
  }

  /** The query plan as text. */
  abstract String explain(String query) throws SQLException;

  Database.Builder builder(Clock clock) {
    return Database.builder(url()).credentials(user(), password()).clock(clock);
  }

  Database open(Clock clock, AuditSink... sinks) {
    return builder(clock).sinks(List.of(sinks)).open();
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(H2Urls.prepare(url()), user(), password());
  }

  int execute(String sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      return s.executeUpdate(sql);
    }
  }

  String queryText(String sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        throw new SQLException("no row: " + sql);
      }
      return rs.getString(1);
    }
  }

  @Override
  public void close() throws SQLException {}

  static Engine h2(Path dir) {
    return new H2(dir);
  }

  /** A new, empty database on the configured PostgreSQL server; dropped on close. */
  static Engine postgres() throws SQLException {
    Map<String, String> env = System.getenv();
    String base = env.get(POSTGRES_URL);
    if (base == null || base.isBlank()) {
      throw new IllegalStateException(POSTGRES_URL + " is not set");
    }
    return new Postgres(
        base, env.getOrDefault(POSTGRES_USER, "postgres"), env.getOrDefault(POSTGRES_PASSWORD, ""));
  }

  private static final class H2 extends Engine {
    private final Path dir;

    H2(Path dir) {
      this.dir = dir;
    }

    @Override
    String url() {
      return "jdbc:h2:file:" + dir.toAbsolutePath().resolve("latchkey");
    }

    @Override
    String user() {
      return Database.DEFAULT_USER;
    }

    @Override
    String password() {
      return "";
    }

    @Override
    String explain(String query) throws SQLException {
      return queryText("EXPLAIN " + query);
    }
  }

  private static final class Postgres extends Engine {
    private final String server;
    private final String user;
    private final String password;
    private final String name;

    Postgres(String server, String user, String password) throws SQLException {
      this.server = server;
      this.user = user;
      this.password = password;
      this.name =
          "latchkey_test_"
              + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
      try (Connection c = DriverManager.getConnection(server, user, password);
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + name);
      }
    }

    /** The server URL with its database replaced by this test's own. */
    @Override
    String url() {
      int slash = server.indexOf('/', "jdbc:postgresql://".length());
      int query = server.indexOf('?');
      String params = query < 0 ? "" : server.substring(query);
      return (slash < 0 ? server : server.substring(0, slash)) + "/" + name + params;
    }

    @Override
    String user() {
      return user;
    }

    @Override
    String password() {
      return password;
    }

    /**
     * With sequential scans discouraged, so the plan shows whether an index can serve the query at
     * all.
     */
    @Override
    String explain(String query) throws SQLException {
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.execute("SET enable_seqscan = off");
        List<String> lines = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("EXPLAIN " + query)) {
          while (rs.next()) {
            lines.add(rs.getString(1));
          }
        }
        return String.join("\n", lines).toLowerCase(Locale.ROOT);
      }
    }

    @Override
    public void close() throws SQLException {
      try (Connection c = DriverManager.getConnection(server, user, password);
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    }
  }
}
