package dev.latchkey.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 6: a request's overhead through the gateway, against the same request sent straight to
 * the API server with a token of the same grant's ServiceAccount (API server audience).
 */
final class GatewayRequestBench {
  private static final int RATE = 100;
  private static final int BLOCK_SECONDS = 2;

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

  /** One side of benchmark 6: what it measured over all its blocks. */
  private static final class Side {
    final String name;
    final Histogram latency = new Histogram(OpenLoop.HIGHEST_MICROS, 3);
    long sent;
    long errors;
    long ticks;
    long apiTicks;
    long nanos;
    final Map<String, Long> errorKinds = new TreeMap<>();

    Side(String name) {
      this.name = name;
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
    try (HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(TokenProbe.trusting(kube.caData, host.caData()))
            .connectTimeout(Duration.ofSeconds(5))
            .build()) {
      HttpRequest viaGateway = list(host.server() + path, grant.token());
      HttpRequest direct = list(kube.server + path, directToken);
      HttpResponse<String> sample = http.send(viaGateway, HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> sampleDirect = http.send(direct, HttpResponse.BodyHandlers.ofString());
      if (sample.statusCode() != 200 || sampleDirect.statusCode() != 200) {
        throw new IllegalStateException(
            "pod list answered " + sample.statusCode() + " / " + sampleDirect.statusCode());
      }
      int warmup = Math.max(BLOCK_SECONDS, run.settings().warmupSeconds() / 2);
      Bench.log("overhead: warm-up, %d s each way at %d/s", warmup, RATE);
      alternate(http, viaGateway, direct, warmup, new Side("warm-up"), new Side("warm-up"));
      Side gateway = new Side("through the gateway");
      Side floor = new Side("direct");
      long lines0 = host.sessions.lines.sum();
      String loadBefore = Cpu.load();
      alternate(http, viaGateway, direct, run.settings().seconds(), gateway, floor);
      Thread.sleep(600); // the session log is written every 200 ms
      long lines = host.sessions.lines.sum() - lines0;
      Bench.log(
          "overhead: p50 %.2f ms vs %.2f ms, p99 %.2f ms vs %.2f ms",
          gateway.ms(50), floor.ms(50), gateway.ms(99), floor.ms(99));
      report(gateway, floor, sample.body().length(), lines, loadBefore);
    }
  }

  private static HttpRequest list(String url, String token) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json")
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  /**
   * Open loop at {@link #RATE}/s in blocks of {@link #BLOCK_SECONDS}, alternating gateway and
   * direct, so both see the same machine; {@code seconds} each.
   */
  private void alternate(
      HttpClient http,
      HttpRequest viaGateway,
      HttpRequest direct,
      int seconds,
      Side gateway,
      Side floor)
      throws InterruptedException {
    int blocks = Math.max(1, seconds / BLOCK_SECONDS);
    long self = ProcessHandle.current().pid();
    for (int b = 0; b < 2 * blocks; b++) {
      boolean throughGateway = b % 2 == 0;
      HttpRequest request = throughGateway ? viaGateway : direct;
      Side side = throughGateway ? gateway : floor;
      Cpu.Mark from = Cpu.mark(self);
      long api0 = Cpu.processTicks(kube.apiserverPid);
      OpenLoop.Result r =
          OpenLoop.run(http, RATE, BLOCK_SECONDS, i -> new OpenLoop.Op(side.name, request));
      side.add(r, from, Cpu.mark(self), api0, Cpu.processTicks(kube.apiserverPid));
    }
  }

  private void report(Side gateway, Side floor, int bodyBytes, long lines, String loadBefore) {
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
                    + " send time), HTTP/1.1 with kept-alive connections (the JDK client's pool,"
                    + " as kubectl keeps its connection), after a warm-up; the two alternate in"
                    + " blocks of %d s, %d s each in all. Every request through the gateway is"
                    + " reviewed (token reviews reused 5 s), checked in the records (a read of the"
                    + " request's row), forwarded as the ServiceAccount, and logged: %,d"
                    + " session-log lines written for %,d requests. Machine before: %s; after:"
                    + " %s.\n\n",
                GatewayBench.PODS,
                bodyBytes,
                RATE,
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
    for (Side s : List.of(gateway, floor)) {
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
        "\nThe benchmark process is the load generator in both rows, and the gateway too in the"
            + " first: the difference is the gateway's CPU.");
    if (!gateway.errorKinds.isEmpty() || !floor.errorKinds.isEmpty()) {
      out.append(" Errors: ").append(gateway.errorKinds).append(' ').append(floor.errorKinds);
    }
    report.section(out.toString());
  }
}
