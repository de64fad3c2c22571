package dev.latchkey.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 6: a request's overhead through the gateway, against the same request sent straight to
 * the API server with a token of the same grant's ServiceAccount (API server audience).
 */
final class GatewayRequestBench {
  private static final int RATE = 100;
  private static final int BLOCK_SECONDS = 2;

  /** Connections kept open on each path: a request waits for a free one. */
  private static final int CONNECTIONS = 4;

  private final GatewayBench.Run run;
  private final GatewayHost host;
  private final GatewayHost.Grant grant;
  private final String directToken;
  private final Kube kube;

  GatewayRequestBench(
      GatewayBench.Run run, GatewayHost host, GatewayHost.Grant grant, String directToken) {
    this.run = run;
    this.host = host;
    this.grant = grant;
    this.directToken = directToken;
    this.kube = run.bench().kube();
  }

  /** One path of benchmark 6, its kept connections, and what it measured over all its blocks. */
  private static final class Side {
    final String name;
    final KeptConnections connections;
    final Histogram latency = new Histogram(OpenLoop.HIGHEST_MICROS, 3);
    long sent;
    long errors;
    long ticks;
    long apiTicks;
    long nanos;
    final Map<String, Long> errorKinds = new TreeMap<>();

    Side(String name, KeptConnections connections) {
      this.name = name;
      this.connections = connections;
    }

    void add(OpenLoop.Result r, Cpu.Mark from, Cpu.Mark to, long apiFrom, long apiTo) {
      latency.add(r.all());
      sent += r.sent();
      errors += r.errors();
      r.errorKinds().forEach((k, v) -> errorKinds.merge(k, v, Long::sum));
      ticks += to.processTicks() - from.processTicks();
      apiTicks += apiTo - apiFrom;
      nanos += to.nanos() - from.nanos();
    }

    double ms(double percentile) {
      return latency.getValueAtPercentile(percentile) / 1000.0;
    }

    double cores(long t) {
      return nanos == 0 ? 0 : t / 100.0 / (nanos / 1e9);
    }
  }

  void run() throws Exception {
    String path = "/api/v1/namespaces/" + run.namespace() + "/pods";
    SSLContext tls = TokenProbe.trusting(kube.caData, host.caData());
    int bodyBytes;
    try (HttpClient http = HttpClient.newBuilder().sslContext(tls).build()) {
      HttpResponse<String> sample =
          http.send(
              HttpRequest.newBuilder(URI.create(host.server() + path))
                  .header("Authorization", "Bearer " + grant.token())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (sample.statusCode() != 200) {
        throw new IllegalStateException("the pod list answered " + sample.statusCode());
      }
      bodyBytes = sample.body().length();
    }
    URI viaGateway = URI.create(host.server() + path);
    URI direct = URI.create(kube.server + path);
    String user = "system:serviceaccount:latchkey-grants:" + grant.id().value();
    try (KeptConnections toGateway =
            new KeptConnections(
                tls,
                viaGateway,
                viaGateway.getRawPath(),
                CONNECTIONS,
                "Authorization: Bearer " + grant.token());
        KeptConnections toApiServer =
            new KeptConnections(
                tls,
                direct,
                direct.getRawPath(),
                CONNECTIONS,
                "Authorization: Bearer " + directToken);
        // Latchkey's own identity asking as the grant's ServiceAccount, as the gateway forwards:
        // what the API server's impersonation check alone adds.
        KeptConnections asLatchkeyImpersonating =
            new KeptConnections(
                tls,
                direct,
                direct.getRawPath(),
                CONNECTIONS,
                "Authorization: Bearer " + latchkeyToken(),
                "Impersonate-User: " + user)) {
      // The gateway's code is compiled only from its own requests, 100 a second: after 30 s much of
      // it still ran in the JIT's profiling tier (timed inside the gateway: 200 us from a request's
      // head to its decision, 51 us after 120 s). So the gateway path warms up alone first, then
      // every path for BENCH_WARMUP_SECONDS (with half of that the p50 read 0.35 ms higher).
      int alone = run.settings().gatewayWarmupSeconds();
      if (alone > 0) {
        Bench.log("overhead: warm-up, %d s through the gateway alone at %d/s", alone, RATE);
        alternate(alone, List.of(new Side("warm-up", toGateway)));
      }
      int warmup = Math.max(BLOCK_SECONDS, run.settings().warmupSeconds());
      Bench.log("overhead: warm-up, %d s each path at %d/s", warmup, RATE);
      alternate(
          warmup,
          List.of(
              new Side("warm-up", toGateway),
              new Side("warm-up", toApiServer),
              new Side("warm-up", asLatchkeyImpersonating)));
      Side gateway = new Side("through the gateway", toGateway);
      Side floor = new Side("direct", toApiServer);
      Side asLatchkey =
          new Side("direct, as Latchkey impersonating the ServiceAccount", asLatchkeyImpersonating);
      long lines0 = host.sessions.lines.sum();
      long opened0 = toGateway.opened() + toApiServer.opened() + asLatchkeyImpersonating.opened();
      String loadBefore = Cpu.load();
      alternate(run.settings().seconds(), List.of(gateway, floor, asLatchkey));
      Thread.sleep(600); // the session log is written every 200 ms
      long lines = host.sessions.lines.sum() - lines0;
      long reopened =
          toGateway.opened() + toApiServer.opened() + asLatchkeyImpersonating.opened() - opened0;
      Bench.log(
          "overhead: p50 %.2f ms vs %.2f ms, p99 %.2f ms vs %.2f ms",
          gateway.ms(50), floor.ms(50), gateway.ms(99), floor.ms(99));
      report(gateway, floor, asLatchkey, bodyBytes, lines, reopened, warmup, loadBefore);
    }
  }

  private String latchkeyToken() throws java.io.IOException {
    return TokenProbe.tokenOf(java.nio.file.Files.readString(run.bench().latchkeyKubeconfig()));
  }

  /**
   * Open loop at {@link #RATE}/s in blocks of {@link #BLOCK_SECONDS}, the paths taking turns, so
   * all see the same machine; {@code seconds} each.
   */
  private void alternate(int seconds, List<Side> sides) throws InterruptedException {
    int blocks = Math.max(1, seconds / BLOCK_SECONDS);
    long self = ProcessHandle.current().pid();
    for (int b = 0; b < sides.size() * blocks; b++) {
      Side side = sides.get(b % sides.size());
      Cpu.Mark from = Cpu.mark(self);
      long api0 = Cpu.processTicks(kube.apiserverPid);
      OpenLoop.Result r = side.connections.run(side.name, RATE, BLOCK_SECONDS);
      side.add(r, from, Cpu.mark(self), api0, Cpu.processTicks(kube.apiserverPid));
    }
  }

  private void report(
      Side gateway,
      Side floor,
      Side asLatchkey,
      int bodyBytes,
      long lines,
      long reopened,
      int warmupSeconds,
      String loadBefore) {
    Report report = run.report();
    double p50 = gateway.ms(50) - floor.ms(50);
    double p99 = gateway.ms(99) - floor.ms(99);
    report.row(
        "6. pod list at " + RATE + "/s, p50 (added by the gateway)",
        Report.ms(gateway.ms(50)) + " (+" + Report.ms(p50) + ")",
        Report.ms(floor.ms(50)),
        Report.ratio(gateway.ms(50), floor.ms(50)),
        "≤ 1 ms added",
        Report.yesNo(p50 <= 1.0));
    report.row(
        "6. pod list at " + RATE + "/s, p99 (added by the gateway)",
        Report.ms(gateway.ms(99)) + " (+" + Report.ms(p99) + ")",
        Report.ms(floor.ms(99)),
        Report.ratio(gateway.ms(99), floor.ms(99)),
        "≤ 3 ms added",
        Report.yesNo(p99 <= 3.0));
    report.row(
        "6. the same, p50 / p99, sent as Latchkey impersonating the ServiceAccount, no gateway"
            + " (the API server's share)",
        Report.ms(asLatchkey.ms(50)) + " / " + Report.ms(asLatchkey.ms(99)),
        Report.ms(floor.ms(50)) + " / " + Report.ms(floor.ms(99)),
        Report.ratio(asLatchkey.ms(50), floor.ms(50)),
        "none set (reported)",
        "—");
    report.row(
        "6. pod list at " + RATE + "/s, max / errors",
        Report.ms(gateway.latency.getMaxValue() / 1000.0) + " / " + gateway.errors,
        Report.ms(floor.latency.getMaxValue() / 1000.0) + " / " + floor.errors,
        "—",
        "none set (reported)",
        "—");
    StringBuilder out = new StringBuilder();
    out.append("### 6. A request through the gateway\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "`GET /api/v1/namespaces/<ns>/pods` (%d pods, %,d bytes of JSON) as a grant's"
                    + " operator ServiceAccount: through the gateway with its gateway-audience"
                    + " token, and straight to the API server with a token of the same"
                    + " ServiceAccount minted for the API server's audience (same RBAC, same"
                    + " answer). Open loop at %d requests/s (latency from each request's intended"
                    + " send time, waiting for a free connection included) over %d HTTP/1.1"
                    + " connections per path kept open throughout, as kubectl keeps its connection"
                    + " (%d had to be opened again), after a warm-up of %d s through the gateway"
                    + " alone (its code is compiled only from its own requests) and then %d s each"
                    + " path; the paths"
                    + " take turns in blocks of %d s, %d s each in all. Every request through the"
                    + " gateway is reviewed (token reviews reused 5 s), checked in the records (the"
                    + " grant's standing as the H2 store keeps it in memory, replaced on every"
                    + " write of the request; the first request of a grant reads its row),"
                    + " forwarded as the ServiceAccount, and logged: %,d session-log lines written"
                    + " for %,d requests. Machine before: %s; after: %s.\n\n",
                GatewayBench.PODS,
                bodyBytes,
                RATE,
                CONNECTIONS,
                reopened,
                run.settings().gatewayWarmupSeconds(),
                warmupSeconds,
                BLOCK_SECONDS,
                run.settings().seconds(),
                lines,
                gateway.sent,
                loadBefore,
                Cpu.load()))
        .append(
            "| path | sent | p50 | p90 | p99 | p99.9 | max | errors | benchmark process CPU"
                + " | API server CPU |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Side s : List.of(gateway, floor, asLatchkey)) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %s | %s | %s | %s | %d | %.2f cores | %.2f cores |\n",
              s.name,
              s.sent,
              Report.ms(s.ms(50)),
              Report.ms(s.ms(90)),
              Report.ms(s.ms(99)),
              Report.ms(s.ms(99.9)),
              Report.ms(s.latency.getMaxValue() / 1000.0),
              s.errors,
              s.cores(s.ticks),
              s.cores(s.apiTicks)));
    }
    out.append(
        "\nThe benchmark process is the load generator in every row, and the gateway too in the"
            + " first: the difference is the gateway's CPU. The third row is what the gateway"
            + " sends, without the gateway: the same list as Latchkey's own identity with"
            + " `Impersonate-User` naming the grant's ServiceAccount, so the API server checks the"
            + " impersonation on every request; its difference to the second row is that check's"
            + " share of the added time.");
    if (!gateway.errorKinds.isEmpty() || !floor.errorKinds.isEmpty()) {
      out.append(" Errors: ").append(gateway.errorKinds).append(' ').append(floor.errorKinds);
    }
    report.section(out.toString());
  }
}
