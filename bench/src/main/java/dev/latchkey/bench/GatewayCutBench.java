package dev.latchkey.bench;

import dev.latchkey.core.DueReport;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.timers.SettleDue;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 8: many grants, each with open exec streams and watches through the gateway, all ending
 * at one instant. Their records change in one batch, as the timers commit a mass expiry (the same
 * use case, with a clock past the grants' common end); the gateway learns it from the records alone
 * (its own clock is held before the end) and must close every session's client connection.
 */
final class GatewayCutBench {
  private static final Duration TARGET = Duration.ofSeconds(2);
  private static final int OPENING_AT_ONCE = 16;

  private final GatewayBench.Run run;
  private final GatewayHost host;

  GatewayCutBench(GatewayBench.Run run, GatewayHost host) {
    this.run = run;
    this.host = host;
  }

  void run() throws Exception {
    int grants = run.settings().cutGrants();
    int perGrant = run.settings().cutSessions();
    int execs = perGrant / 2;
    Bench.log("cutting: %d operator grants", grants);
    long made = System.nanoTime();
    List<GatewayHost.Grant> all = new ArrayList<>();
    for (int i = 0; i < grants; i++) {
      all.add(host.grant("operator", run.namespace()));
    }
    double grantSeconds = (System.nanoTime() - made) / 1e9;
    Instant end = all.getFirst().expiresAt();
    if (all.stream().anyMatch(g -> !g.expiresAt().equals(end))) {
      throw new IllegalStateException("the grants do not share one end");
    }
    String resourceVersion =
        run.bench()
            .kube()
            .admin
            .pods()
            .inNamespace(run.namespace())
            .list()
            .getMetadata()
            .getResourceVersion();
    List<LongSessions.Open> sessions = new ArrayList<>();
    try (HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(TokenProbe.trusting(host.caData()))
            .connectTimeout(Duration.ofSeconds(30))
            .build()) {
      Bench.log(
          "cutting: opening %d sessions (%d exec streams and %d watches a grant)",
          grants * perGrant, execs, perGrant - execs);
      long opening = System.nanoTime();
      Semaphore inFlight = new Semaphore(OPENING_AT_ONCE);
      int failed = 0;
      List<String> failures = new ArrayList<>();
      for (int i = 0; i < grants; i++) {
        GatewayHost.Grant grant = all.get(i);
        for (int j = 0; j < perGrant; j++) {
          inFlight.acquire();
          String pod = run.pods().get((i * perGrant + j) % run.pods().size());
          LongSessions.Open open =
              j < execs
                  ? LongSessions.exec(http, host.server(), run.namespace(), pod, grant.token())
                  : LongSessions.watch(
                      http, host.server(), run.namespace(), resourceVersion, grant.token());
          open.opened.whenComplete((ok, e) -> inFlight.release());
          sessions.add(open);
        }
      }
      for (LongSessions.Open open : sessions) {
        try {
          open.opened.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          failed++;
          if (failures.size() < 3) {
            failures.add(open.kind + ": " + e);
          }
        }
      }
      double openSeconds = (System.nanoTime() - opening) / 1e9;
      Thread.sleep(1000);
      long closedEarly = sessions.stream().filter(s -> s.closedAt.isDone()).count();
      Bench.log(
          "cutting: %d sessions open after %.1f s (%d failed to open, %d closed early); ending"
              + " the grants",
          sessions.size() - closedEarly, openSeconds, failed, closedEarly);

      SettleDue timers =
          new SettleDue(
              host.database.requests(),
              GatewayHost.SILENT,
              Clock.fixed(end.plusSeconds(1), ZoneOffset.UTC));
      long t0 = System.nanoTime();
      DueReport settled = timers.settleAll();
      long committed = System.nanoTime();
      Histogram latency = new Histogram(OpenLoop.HIGHEST_MICROS, 3);
      Map<String, Histogram> byKind = new TreeMap<>();
      int notClosed = 0;
      for (LongSessions.Open open : sessions) {
        if (open.opened.isCompletedExceptionally()) {
          continue;
        }
        long at;
        try {
          at =
              open.closedAt.get(
                  Math.max(1, t0 + 30_000_000_000L - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          notClosed++;
          open.close();
          continue;
        }
        long micros = Math.max(1, (at - t0) / 1000);
        if (at < t0) {
          continue; // closed before the end: counted as early above
        }
        latency.recordValue(Math.min(micros, OpenLoop.HIGHEST_MICROS));
        byKind
            .computeIfAbsent(open.kind, k -> new Histogram(OpenLoop.HIGHEST_MICROS, 3))
            .recordValue(Math.min(micros, OpenLoop.HIGHEST_MICROS));
      }
      Bench.log(
          "cutting: %d closed, max %.0f ms, p99 %.0f ms; %d not closed within 30 s",
          latency.getTotalCount(),
          latency.getMaxValue() / 1000.0,
          latency.getValueAtPercentile(99) / 1000.0,
          notClosed);
      Map<SessionEnd.Cause, Integer> causes = recordedEnds(all, grants * execs);
      report(
          grants,
          perGrant,
          execs,
          grantSeconds,
          openSeconds,
          failed,
          failures,
          closedEarly,
          settled,
          (committed - t0) / 1e6,
          latency,
          byKind,
          notClosed,
          causes);
    } finally {
      sessions.forEach(LongSessions.Open::close);
    }
  }

  /** How the exec sessions are recorded as ended, once all are (or after 30 s). */
  private Map<SessionEnd.Cause, Integer> recordedEnds(List<GatewayHost.Grant> grants, int streams)
      throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    Map<SessionEnd.Cause, Integer> causes = new TreeMap<>();
    while (System.nanoTime() < deadline) {
      causes.clear();
      int ended = 0;
      for (GatewayHost.Grant g : grants) {
        for (SessionStore.SessionRecord s : host.sessions.sessions(g.id())) {
          if (s.end().isPresent()) {
            causes.merge(s.end().get().cause(), 1, Integer::sum);
            ended++;
          }
        }
      }
      if (ended >= streams) {
        break;
      }
      Thread.sleep(200);
    }
    return causes;
  }

  private void report(
      int grants,
      int perGrant,
      int execs,
      double grantSeconds,
      double openSeconds,
      int failed,
      List<String> failures,
      long closedEarly,
      DueReport settled,
      double commitMillis,
      Histogram latency,
      Map<String, Histogram> byKind,
      int notClosed,
      Map<SessionEnd.Cause, Integer> causes) {
    int total = grants * perGrant;
    boolean all = latency.getTotalCount() == total && notClosed == 0;
    double max = latency.getMaxValue() / 1000.0;
    run.report()
        .row(
            "8. cutting: "
                + grants
                + " grants × "
                + perGrant
                + " open sessions ending at once, max",
            Report.ms(max) + " (p99 " + Report.ms(latency.getValueAtPercentile(99) / 1000.0) + ")",
            "—",
            "—",
            "every session closed ≤ 2 s",
            Report.yesNo(all && max <= TARGET.toMillis()));
    StringBuilder out = new StringBuilder();
    out.append("### 8. Cutting at a mass expiry\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "%d operator grants made through the core and the real adapter (%.1f s), all"
                    + " approved at the same instant so they share their end; for each, %d exec"
                    + " streams (WebSocket `v4.channel.k8s.io`, `sleep 900` in one of the"
                    + " namespace's pods, each a recorded session) and %d idle watches of the"
                    + " namespace's pods, opened through the gateway with the grant's own token"
                    + " (%,d sessions in %.1f s; %d failed to open%s; %d closed before the end)."
                    + " Then their records changed in one batch: the timers' settle use case, with"
                    + " a clock past the common end, committed %d grants as EXPIRED in %s"
                    + " (%s). The gateway's own clock stays before the end, so only the records"
                    + " tell it; it asks them about every grant with an open connection every"
                    + " 250 ms. Figure: from the start of that commit to the moment each"
                    + " session's client saw its connection closed.\n\n",
                grants,
                grantSeconds,
                execs,
                perGrant - execs,
                total,
                openSeconds,
                failed,
                failures.isEmpty() ? "" : ": " + failures,
                closedEarly,
                settled.handled(),
                Report.ms(commitMillis),
                settled.errors().isEmpty() ? "no errors" : "errors: " + settled.errors()))
        .append("| sessions | closed | p50 | p99 | max | within 2 s |\n")
        .append("| --- | --- | --- | --- | --- | --- |\n");
    byKind.put("all", latency);
    byKind.forEach(
        (kind, h) ->
            out.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %s | %s | %d |\n",
                    kind,
                    h.getTotalCount(),
                    Report.ms(h.getValueAtPercentile(50) / 1000.0),
                    Report.ms(h.getValueAtPercentile(99) / 1000.0),
                    Report.ms(h.getMaxValue() / 1000.0),
                    h.getCountBetweenValues(0, TARGET.toMillis() * 1000))));
    out.append(
        String.format(
            Locale.ROOT,
            "\nNot closed within 30 s: %d. The exec sessions as recorded in the database"
                + " afterwards (session.ended, with the recording's hash): %s of %d.",
            notClosed,
            causes,
            grants * execs));
    run.report().section(out.toString());
  }
}
