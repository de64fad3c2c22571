package dev.latchkey.bench;

import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.ApproverDirectory;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.storage.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 4: the timer's "what is due" queries, as every 500 ms pass asks them (what needs no
 * cluster, {@link RequestStore#findDueToSettle}, which clusters have due work, {@link
 * RequestStore#findClustersWithDue}, then up to 500 due requests of each, {@link
 * RequestStore#findDue(ClusterRef, Instant, int)}) on an H2 file holding 1,000,000 finished
 * requests and 10,000 active ones, against the same queries on an empty database. Rows are real:
 * one finished and one active request are made by the core use cases on this very database, then
 * copied by SQL ({@code INSERT … SELECT} over {@code SYSTEM_RANGE}) with new ids, and for the
 * active ones due instants spread over the next ten thousand seconds.
 */
final class DueQueryBench {
  static final int FINISHED = 1_000_000;
  static final int ACTIVE = 10_000;
  private static final int BATCH = 100_000;
  private static final long MAX_SECONDS_PER_SERIES = 4;
  private static final long ACTIVE_BASE = 50_000_000L;

  private static final java.util.concurrent.atomic.AtomicLong SEQ =
      new java.util.concurrent.atomic.AtomicLong();

  private final Bench bench;

  DueQueryBench(Bench bench) {
    this.bench = bench;
  }

  /**
   * The instants the templates give: "now" for a typical pass, and a later one at which 500+ rows
   * are due.
   */
  private record Templates(String finishedId, String activeId, Instant now, Instant firstDue) {}

  void run() throws Exception {
    Path dir = bench.workDir().resolve("due");
    Files.createDirectories(dir);
    Instant start = Instant.parse("2026-03-02T09:00:00Z");
    MutableClock clock = new MutableClock(start);
    LatchkeyConfig config = ConfigLoader.parse(bench.config("jdbc:h2:mem:unused"), "due.yml");

    String emptyUrl = "jdbc:h2:file:" + dir.resolve("empty").toAbsolutePath();
    String smallUrl = "jdbc:h2:file:" + dir.resolve("active-only").toAbsolutePath();
    String bigUrl = "jdbc:h2:file:" + dir.resolve("million").toAbsolutePath();
    Database.builder(emptyUrl).sinks(List.of()).clock(clock).open().close();

    clock.set(start);
    Templates small = templates(smallUrl, config, clock);
    copy(smallUrl, small, 0, ACTIVE);
    clock.set(start);
    Templates big = templates(bigUrl, config, clock);
    long t0 = System.nanoTime();
    copy(bigUrl, big, FINISHED, ACTIVE);
    double fillSeconds = (System.nanoTime() - t0) / 1e9;
    Bench.log(
        "due: %,d finished + %,d active rows written in %.1f s", FINISHED, ACTIVE, fillSeconds);

    Instant now = big.now();
    Instant later = big.firstDue().plusSeconds(600);
    try (Database empty = open(emptyUrl, clock);
        Database activeOnly = open(smallUrl, clock);
        Database million = open(bigUrl, clock)) {
      Map<String, RequestStore> stores = new LinkedHashMap<>();
      stores.put("empty", empty.requests());
      stores.put("10k active only", activeOnly.requests());
      stores.put("1M finished + 10k active", million.requests());
      check(million.requests(), now, 0);
      check(million.requests(), later, 500);
      check(activeOnly.requests(), later, 500);
      Map<String, Histogram> nothingDue = new LinkedHashMap<>();
      Map<String, Histogram> fullBatch = new LinkedHashMap<>();
      stores
          .keySet()
          .forEach(
              k -> {
                nothingDue.put(k, new Histogram(60_000_000L, 3));
                fullBatch.put(k, new Histogram(60_000_000L, 3));
              });
      for (RequestStore store : stores.values()) {
        time(store, now, 3000, null);
        time(store, later, 300, null);
      }
      for (int round = 0; round < 5; round++) {
        for (var e : stores.entrySet()) {
          time(e.getValue(), now, 2000, nothingDue.get(e.getKey()));
          if (!e.getKey().equals("empty")) {
            time(e.getValue(), later, 200, fullBatch.get(e.getKey()));
          }
        }
      }
      report(nothingDue, fullBatch, fillSeconds);
    }
  }

  private static Database open(String url, MutableClock clock) {
    return Database.builder(url).sinks(List.of()).clock(clock).open();
  }

  private static void check(RequestStore store, Instant now, int expected) {
    int found = pass(store, now);
    if (found != expected) {
      throw new IllegalStateException(
          "the due queries at " + now + " found " + found + " rows, expected " + expected);
    }
  }

  /**
   * What one timer pass asks the database: what needs no cluster, the clusters with due work, each
   * one's first 500.
   */
  private static int pass(RequestStore store, Instant at) {
    if (store.findDueToSettle(at, 500).size()
        > 500) { // a subset of what the lanes then read: not counted twice
      throw new IllegalStateException("limit ignored");
    }
    int found = 0;
    for (ClusterRef cluster : store.findClustersWithDue(at)) {
      List<AccessRequest> due = store.findDue(cluster, at, 500);
      if (due.size() > 500) {
        throw new IllegalStateException("limit ignored");
      }
      found += due.size();
    }
    return found;
  }

  /**
   * Up to {@code calls} calls, and no more than {@link #MAX_SECONDS_PER_SERIES} seconds of them.
   */
  private static void time(RequestStore store, Instant now, int calls, Histogram into) {
    long stop = System.nanoTime() + MAX_SECONDS_PER_SERIES * 1_000_000_000L;
    for (int i = 0; i < calls && (i < 3 || System.nanoTime() < stop); i++) {
      // A new instant every call, as the timer's clock gives: H2 would otherwise hand back the
      // cached result of
      // an identical query on unchanged tables (OPTIMIZE_REUSE_RESULTS) and measure nothing.
      Instant at = now.plusNanos(1000L * (SEQ.incrementAndGet() % 1_000_000));
      long t = System.nanoTime();
      pass(store, at);
      long micros = Math.max(1, (System.nanoTime() - t) / 1000);
      if (into != null) {
        into.recordValue(micros);
      }
    }
  }

  /**
   * Makes the two template rows through the core use cases on a new database: a request approved,
   * expired and removed (finished, nothing due), then one approved and active (due at its reminder,
   * 45 min later).
   */
  private static Templates templates(String url, LatchkeyConfig config, MutableClock clock) {
    try (Database db = Database.builder(url).sinks(List.of()).clock(clock).open()) {
      UseCases service =
          UseCases.wire(
              new UseCases.Ports(
                  config.customers(),
                  db.requests(),
                  db.enablements(),
                  db.audit(),
                  new AlwaysGrants(),
                  new Silent(),
                  (group, user) -> ApproverDirectory.Membership.NOT_MEMBER),
              clock,
              new SecureRandom(),
              RetryPolicy.DEFAULT);
      ClusterRef prod = new ClusterRef(new CustomerId("acme"), "prod");
      Actor.SlackUser admin = new Actor.SlackUser(SlackRequests.CUSTOMER_TEAM, SlackRequests.ADMIN);
      Actor.SlackUser approver =
          new Actor.SlackUser(SlackRequests.CUSTOMER_TEAM, SlackRequests.APPROVER);
      service.enable().enable(prod, admin, Set.of("readonly"));
      RequestId finished = approved(service, approver);
      clock.advance(Duration.ofHours(2));
      service.due().runAll();
      AccessRequest done = service.queries().find(finished).orElseThrow();
      if (done.state() != RequestState.EXPIRED || done.grantPresent() || done.dueAt().isPresent()) {
        throw new IllegalStateException("finished template is " + done);
      }
      Instant now = clock.instant();
      RequestId active = approved(service, approver);
      AccessRequest live = service.queries().find(active).orElseThrow();
      if (live.state() != RequestState.ACTIVE) {
        throw new IllegalStateException("active template is " + live);
      }
      return new Templates(finished.value(), active.value(), now, live.dueAt().orElseThrow());
    }
  }

  private static RequestId approved(UseCases service, Actor.SlackUser approver) {
    var submitted =
        service
            .submit()
            .submit(
                new Submission(
                    new CustomerId("acme"),
                    "prod",
                    "readonly",
                    Optional.of(Duration.ofHours(1)),
                    List.of(),
                    new Requester(
                        new Actor.SlackUser(SlackRequests.VENDOR_TEAM, SlackRequests.REQUESTER),
                        Optional.of("alice@vendor.example")),
                    "checking the api pods"));
    RequestId id = ((SubmitRequest.Result.Submitted) submitted).request().id();
    service.decide().decide(Decision.click(id, approver, Decision.Verdict.APPROVE));
    return id;
  }

  /**
   * Copies the finished template {@code finished} times and the active one {@code active} times, by
   * SQL.
   */
  private static void copy(String url, Templates t, int finished, int active) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, Database.DEFAULT_USER, "")) {
      List<String> columns = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'REQUESTS'"
                      + " ORDER BY ORDINAL_POSITION")) {
        while (rs.next()) {
          columns.add(rs.getString(1).toLowerCase(Locale.ROOT));
        }
      }
      c.setAutoCommit(false);
      String finishedSql = insert(columns, false);
      for (long from = 1; from <= finished; from += BATCH) {
        run(c, finishedSql, from, Math.min(finished, from + BATCH - 1), t.finishedId());
      }
      if (active > 0) {
        run(c, insert(columns, true), ACTIVE_BASE + 1, ACTIVE_BASE + active, t.activeId());
      }
      try (Statement s = c.createStatement()) {
        s.execute("ANALYZE");
      }
      c.commit();
    }
  }

  private static void run(Connection c, String sql, long from, long to, String template)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setLong(1, from);
      p.setLong(2, to);
      p.setString(3, template);
      p.executeUpdate();
    }
    c.commit();
  }

  private static String insert(List<String> columns, boolean active) {
    List<String> values = new ArrayList<>();
    for (String col : columns) {
      values.add(
          switch (col) {
            case "id" -> "'ar-' || LPAD(CAST(r.X AS VARCHAR), 8, '0')";
            case "due_at",
                "expires_at",
                "pending_expires_at",
                "created_at",
                "decided_at",
                "granted_at",
                "changed_at" ->
                active
                    ? "t." + col + " + (r.X - " + ACTIVE_BASE + ") * 1000000000"
                    : "t." + col + " - r.X * 1000000000";
            case "card_outdated" -> "FALSE";
            default -> "t." + col;
          });
    }
    return "INSERT INTO requests ("
        + String.join(", ", columns)
        + ") SELECT "
        + String.join(", ", values)
        + " FROM requests t, SYSTEM_RANGE(?, ?) r WHERE t.id = ?";
  }

  private void report(
      Map<String, Histogram> nothingDue, Map<String, Histogram> fullBatch, double fillSeconds) {
    Histogram empty = nothingDue.get("empty");
    Histogram big = nothingDue.get("1M finished + 10k active");
    double e50 = empty.getValueAtPercentile(50) / 1000.0;
    double b50 = big.getValueAtPercentile(50) / 1000.0;
    Report report = bench.report();
    report.row(
        "4. timer's due queries (what needs no cluster, clusters with due work, 500 of each),"
            + " median: 1M finished + 10k active vs empty database",
        Report.ms(b50),
        Report.ms(e50),
        Report.ratio(b50, e50),
        "≤ 2× floor",
        Report.yesNo(b50 <= 2 * e50));
    Histogram small = fullBatch.get("10k active only");
    Histogram bigFull = fullBatch.get("1M finished + 10k active");
    double s50 = small.getValueAtPercentile(50) / 1000.0;
    double f50 = bigFull.getValueAtPercentile(50) / 1000.0;
    report.row(
        "4. the same when 500 are due (full batch), median: with vs without the 1M finished",
        Report.ms(f50),
        Report.ms(s50),
        Report.ratio(f50, s50),
        "≤ 2× floor",
        Report.yesNo(f50 <= 2 * s50));
    StringBuilder s =
        new StringBuilder(
            "### 4. Timer's due queries at scale\n\n"
                + "A timer pass's queries (`RequestStore.findDueToSettle(now, 500)`,"
                + " `findClustersWithDue(now)`, then `findDue(cluster, now, 500)` for each cluster"
                + " found) through the storage module (JDBI, HikariCP, H2 file), up to 10,000 calls"
                + " per database (at most 4 s per series) interleaved in 5 rounds after a warm-up,"
                + " each call with a new `now` as the timer's clock gives (H2 would otherwise reuse"
                + " the previous result). The million finished requests (and 10,000 active) were"
                + " written by SQL copies of rows the UseCases made, in "
                + String.format(Locale.ROOT, "%.1f s", fillSeconds)
                + "; audit rows were "
                + "not copied (the query does not read them).\n\n"
                + "| database | nothing due: calls | p50 | p99 | 500 due: calls | p50 | p99 |\n"
                + "| --- | --- | --- | --- | --- | --- | --- |\n");
    for (String name : nothingDue.keySet()) {
      Histogram n = nothingDue.get(name);
      Histogram f = fullBatch.get(name);
      s.append("| ")
          .append(name)
          .append(" | ")
          .append(n.getTotalCount())
          .append(" | ")
          .append(Report.ms(n.getValueAtPercentile(50) / 1000.0))
          .append(" | ")
          .append(Report.ms(n.getValueAtPercentile(99) / 1000.0))
          .append(" | ")
          .append(f.getTotalCount() == 0 ? "—" : Long.toString(f.getTotalCount()))
          .append(" | ")
          .append(f.getTotalCount() == 0 ? "—" : Report.ms(f.getValueAtPercentile(50) / 1000.0))
          .append(" | ")
          .append(f.getTotalCount() == 0 ? "—" : Report.ms(f.getValueAtPercentile(99) / 1000.0))
          .append(" |\n");
    }
    report.section(s.toString());
  }

  /** The cluster side of the templates: every grant and removal succeeds at once. */
  private static final class AlwaysGrants implements ClusterAccess {
    @Override
    public GrantResult grant(Grant grant) {
      return new GrantResult.Granted();
    }

    @Override
    public RemovalResult revoke(Footprint footprint) {
      return new RemovalResult.Removed(0);
    }

    @Override
    public RemovalResult removeListed(ClusterRef cluster, ManagedGrant found) {
      return new RemovalResult.Removed(0);
    }

    @Override
    public Listing listManaged(ClusterRef cluster) {
      return new Listing.Listed(List.of());
    }

    @Override
    public CredentialResult issueCredential(ClusterRef cluster, RequestId id, Instant notAfter) {
      return new CredentialResult.Unavailable("not in this benchmark");
    }

    @Override
    public RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
      return new RoleCheck.Present(false);
    }

    @Override
    public UnmanagedListing listUnmanaged(ClusterRef cluster) {
      return new UnmanagedListing.Listed(List.of());
    }
  }

  private static final class Silent implements Notifier {
    @Override
    public void requestChanged(AccessRequest request, AuditEvent cause) {}

    @Override
    public void expiringSoon(AccessRequest request) {}

    @Override
    public void revocationOverdue(AccessRequest request) {}
  }
}
