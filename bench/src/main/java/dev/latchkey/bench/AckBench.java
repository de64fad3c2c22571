package dev.latchkey.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Benchmarks 1 and 5: how fast Slack gets its acknowledgement, from a real Latchkey process (the
 * shaded jar, as `./latchkey run` starts it: Jetty + Bolt + H2 file + the real API server + Slack
 * played by WireMock), beside a bare Bolt app that only acknowledges, on the same HttpServer class,
 * under the same open-loop load; and how long each takes from process start to ready, and its peak
 * resident memory over the whole load.
 *
 * <p>The mix, in every slot of ten: approve and deny clicks on real pending requests (created
 * beforehand and by the load's own {@code /access request}s), two clicks by a user of the vendor's
 * workspace (refused and audited: the real approver check), {@code /access list} ×2, {@code /access
 * status} ×2 and {@code /access request} ×2.
 */
final class AckBench {
  private static final Pattern REQUEST_ID = Pattern.compile("ar-[0-9abcdefghjkmnpqrstvwxyz]{8}");
  private static final int PRECREATE = 300;

  private final Bench bench;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final ConcurrentLinkedQueue<String> pending = new ConcurrentLinkedQueue<>();
  private final CopyOnWriteArrayList<String> known = new CopyOnWriteArrayList<>();
  private final AtomicLong refusedRequests = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicReference<String> enableAnswer = new AtomicReference<>();

  AckBench(Bench bench) {
    this.bench = bench;
  }

  /** A server under test (a child process) and what was measured on it. */
  private final class Server {
    final String name;
    final List<String> command;
    final Map<String, String> env;
    final Path dir;
    final int port;
    // Where /readyz and /metrics are: Latchkey's management port, the bare server's only port.
    final int healthPort;
    final List<Duration> starts = new ArrayList<>();
    final Map<Integer, OpenLoop.Result> levels = new LinkedHashMap<>();
    final Map<Integer, Double> cores = new LinkedHashMap<>();
    final Map<Integer, Double> machineBusy = new LinkedHashMap<>();
    final Map<Integer, Long> drains = new LinkedHashMap<>();
    Child child;
    long peakRssKib;
    long rssAfterStart;
    String metrics = "";

    Server(String name, List<String> command, Map<String, String> env, Path dir, int port) {
      this.name = name;
      this.command = command;
      this.env = env;
      this.dir = dir;
      this.port = port;
      this.healthPort =
          Integer.parseInt(env.getOrDefault("MANAGEMENT_PORT", Integer.toString(port)));
    }

    void start(int n, boolean keep) throws Exception {
      child = Child.start(command, env, dir, dir.resolve("server.log"));
      starts.add(
          child.awaitReady(
              URI.create("http://127.0.0.1:" + healthPort + "/readyz"), Duration.ofSeconds(120)));
      Bench.log("%s: start %d ready in %d ms", name, n, starts.getLast().toMillis());
      if (!keep) {
        child.close();
        child = null;
      }
    }

    void level(int rate, LongFunction<OpenLoop.Op> mix, long quietMillis) throws Exception {
      Cpu.Mark before = Cpu.mark(child.pid());
      OpenLoop.Result r = OpenLoop.run(client, rate, bench.seconds(), mix);
      Cpu.Mark after = Cpu.mark(child.pid());
      levels.put(rate, r);
      cores.put(rate, Cpu.cores(before, after));
      machineBusy.put(rate, Cpu.machineBusy(before, after));
      long drain = bench.slack().awaitQuiet(quietMillis, 240_000);
      drains.put(rate, drain);
      Bench.log(
          "%s: %d/s p50 %.2f ms p99 %.2f ms max %.1f ms errors %d; %.2f cores, machine %s busy;"
              + " quiet %.1f s later",
          name,
          rate,
          r.p50Ms(),
          r.p99Ms(),
          r.maxMs(),
          r.errors(),
          cores.get(rate),
          Cpu.percent(machineBusy.get(rate)),
          drain / 1000.0);
    }

    void stop() throws InterruptedException {
      if (child != null) {
        peakRssKib = child.peakRssKib();
        child.close();
        child = null;
      }
    }
  }

  /** Latchkey's start after benchmark 1, on the database and cluster state it left. */
  private Duration restart;

  void run() throws Exception {
    bench.slack().onResponseUrl(this::onResponse);
    String loadBefore = Cpu.load();
    Server floor = floorServer();
    Server latchkey = latchkeyServer();
    try {
      // Starts alternate, so that both see the same machine; the third of each stays up for the
      // load.
      for (int i = 1; i <= 2; i++) {
        floor.start(i, false);
        latchkey.start(i, false);
      }
      floor.start(3, true);
      latchkey.start(3, true);
      floor.rssAfterStart = floor.child.rssKib();
      latchkey.rssAfterStart = latchkey.child.rssKib();
      if (bench.rates().isEmpty()) {
        Bench.log(
            "start-up only (no rates given): %s %s, %s %s",
            floor.name, floor.starts, latchkey.name, latchkey.starts);
        return;
      }
      SlackRequests floorRequests = requestsFor(floor.port);
      SlackRequests latchkeyRequests = requestsFor(latchkey.port);
      enable(latchkeyRequests);
      Bench.log("Latchkey: creating %d pending requests through /access request", PRECREATE);
      OpenLoop.run(
          client,
          50,
          PRECREATE / 50,
          i ->
              new OpenLoop.Op(
                  "/access request",
                  latchkeyRequests.command(
                      SlackRequests.REQUESTER,
                      SlackRequests.VENDOR_TEAM,
                      "request prod readonly 1h checking the api pods",
                      "req")));
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (pending.size() < PRECREATE * 9 / 10 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      bench.slack().awaitQuiet(2000, 120_000);
      AtomicLong synthetic = new AtomicLong();
      LongFunction<OpenLoop.Op> floorMix =
          mix(
              floorRequests,
              () ->
                  String.format(Locale.ROOT, "ar-%08d", synthetic.incrementAndGet() % 100_000_000));
      LongFunction<OpenLoop.Op> latchkeyMix = mix(latchkeyRequests, pending::poll);
      Bench.log(
          "warm-up: %d s at 50/s on each (Latchkey has %d pending requests)",
          bench.warmupSeconds(), pending.size());
      OpenLoop.run(client, 50, bench.warmupSeconds(), floorMix);
      OpenLoop.run(client, 50, bench.warmupSeconds(), latchkeyMix);
      bench.slack().awaitQuiet(3000, 240_000);
      // Rates alternate between the two servers, so that a busy minute on the machine hits both
      // alike.
      for (int rate : bench.rates()) {
        floor.level(rate, floorMix, 2000);
        latchkey.level(rate, latchkeyMix, 3000);
      }
      latchkey.metrics = metrics(latchkey.healthPort);
      lastMetrics = openRequests(latchkey.metrics);
    } finally {
      floor.stop();
      latchkey.stop();
    }
    // A restart on what benchmark 1 left in the database (open requests, grants on the cluster,
    // card threads).
    latchkey.start(4, false);
    restart = latchkey.starts.removeLast();
    report(floor, latchkey, loadBefore, Cpu.load());
  }

  private Server floorServer() throws IOException {
    int port = freePort();
    Path dir = bench.workDir().resolve("ack-floor");
    Files.createDirectories(dir);
    List<String> command = new ArrayList<>();
    command.add(bench.javaBin());
    command.addAll(bench.jvmOptions());
    command.addAll(List.of("-cp", bench.benchJar().toString(), BareBoltServer.class.getName()));
    return new Server("bare Bolt", command, slackEnv(port), dir, port);
  }

  private Server latchkeyServer() throws IOException {
    int port = freePort();
    Path dir = bench.workDir().resolve("ack-latchkey");
    Files.createDirectories(dir);
    Path config = dir.resolve("latchkey.yml");
    Files.writeString(
        config, bench.config("jdbc:h2:file:" + dir.resolve("data/latchkey").toAbsolutePath()));
    List<String> command = new ArrayList<>();
    command.add(bench.javaBin());
    command.addAll(bench.jvmOptions());
    command.addAll(List.of("-jar", bench.latchkeyJar().toString()));
    Map<String, String> env = slackEnv(port);
    env.put("LATCHKEY_CONFIG", config.toString());
    env.put("MANAGEMENT_PORT", Integer.toString(freePort()));
    return new Server("Latchkey", command, env, dir, port);
  }

  /**
   * {@code /access enable prod readonly operator} by the customer's admin; waits for Latchkey's
   * answer.
   */
  private void enable(SlackRequests requests) throws Exception {
    HttpResponse<String> ack =
        client.send(
            requests.command(
                SlackRequests.ADMIN,
                SlackRequests.CUSTOMER_TEAM,
                "enable prod readonly operator",
                "enable"),
            HttpResponse.BodyHandlers.ofString());
    if (ack.statusCode() != 200) {
      throw new IllegalStateException("enable answered " + ack.statusCode() + ": " + ack.body());
    }
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (enableAnswer.get() == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    String answer = enableAnswer.get();
    if (answer == null || !answer.contains("enabled")) {
      throw new IllegalStateException("prod was not enabled: " + answer);
    }
  }

  private void onResponse(String path, String body) {
    if (path.startsWith("/response/enable-")) {
      enableAnswer.set(body);
    } else if (path.startsWith("/response/req-")) {
      Matcher m = REQUEST_ID.matcher(body);
      if (m.find()) {
        pending.add(m.group());
        known.add(m.group());
      } else {
        refusedRequests.incrementAndGet();
      }
    }
  }

  /**
   * Slot i of the mix; {@code nextPending} hands out an undecided request id (null when none is
   * left).
   */
  private LongFunction<OpenLoop.Op> mix(
      SlackRequests r, java.util.function.Supplier<String> nextPending) {
    AtomicInteger any = new AtomicInteger();
    return i ->
        switch ((int) (i % 10)) {
          case 0, 2 -> {
            String id = nextPending.get();
            if (id == null) {
              fallbacks.incrementAndGet();
              yield outsider(r, i, any);
            }
            yield i % 10 == 0
                ? new OpenLoop.Op(
                    "click approve",
                    r.click(
                        SlackRequests.APPROVER,
                        SlackRequests.CUSTOMER_TEAM,
                        SlackRequests.APPROVE,
                        id))
                : new OpenLoop.Op(
                    "click deny",
                    r.click(
                        SlackRequests.APPROVER,
                        SlackRequests.CUSTOMER_TEAM,
                        SlackRequests.DENY,
                        id));
          }
          case 5, 7 -> outsider(r, i, any);
          case 1, 6 ->
              new OpenLoop.Op(
                  "/access list",
                  r.command(SlackRequests.REQUESTER, SlackRequests.VENDOR_TEAM, "list", "list"));
          case 3, 8 ->
              new OpenLoop.Op(
                  "/access status",
                  r.command(
                      SlackRequests.REQUESTER, SlackRequests.VENDOR_TEAM, "status", "status"));
          default ->
              new OpenLoop.Op(
                  "/access request",
                  r.command(
                      SlackRequests.REQUESTER,
                      SlackRequests.VENDOR_TEAM,
                      "request prod readonly 1h checking the api pods",
                      "req"));
        };
  }

  /**
   * A click by a user of the vendor's workspace on some request: refused by the approver check, and
   * audited.
   */
  private OpenLoop.Op outsider(SlackRequests r, long i, AtomicInteger any) {
    String id =
        known.isEmpty()
            ? String.format(Locale.ROOT, "ar-%08d", i % 100_000_000)
            : known.get(Math.floorMod(any.getAndIncrement(), known.size()));
    return new OpenLoop.Op(
        "click by non-approver",
        r.click(
            SlackRequests.OUTSIDER,
            SlackRequests.VENDOR_TEAM,
            i % 2 == 0 ? SlackRequests.APPROVE : SlackRequests.DENY,
            id));
  }

  private SlackRequests requestsFor(int port) {
    return new SlackRequests(
        URI.create("http://127.0.0.1:" + port + "/slack/events"), bench.slack().baseUrl());
  }

  private Map<String, String> slackEnv(int port) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PORT", Integer.toString(port));
    env.put("SLACK_BOT_TOKEN", SlackRequests.BOT_TOKEN);
    env.put("SLACK_SIGNING_SECRET", SlackRequests.SECRET);
    env.put("SLACK_API_URL", bench.slack().apiUrl());
    return env;
  }

  private String metrics(int port) {
    try {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      StringBuilder out = new StringBuilder();
      for (String line : r.body().lines().toList()) {
        if ((line.startsWith("latchkey_decisions_total")
                || line.startsWith("latchkey_requests{")
                || line.startsWith("latchkey_kubernetes_errors_total")
                || line.startsWith("latchkey_grant_seconds_count")
                || line.startsWith("latchkey_events_total"))
            && !line.startsWith("#")) {
          out.append(line).append('\n');
        }
      }
      return out.toString();
    } catch (IOException | InterruptedException e) {
      return "(metrics not read: " + e + ")";
    }
  }

  /** "300 pending and 1200 active requests" from Latchkey's metrics text. */
  private static String openRequests(String metrics) {
    Matcher pending =
        Pattern.compile("latchkey_requests\\{state=\"pending\"} ([0-9.]+)").matcher(metrics);
    Matcher active =
        Pattern.compile("latchkey_requests\\{state=\"active\"} ([0-9.]+)").matcher(metrics);
    if (pending.find() && active.find()) {
      return (long) Double.parseDouble(pending.group(1))
          + " pending and "
          + (long) Double.parseDouble(active.group(1))
          + " active requests";
    }
    return "";
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  // ---------------------------------------------------------------- report

  private void report(Server floor, Server latchkey, String loadBefore, String loadAfter) {
    Report report = bench.report();
    for (int rate : bench.rates()) {
      OpenLoop.Result l = latchkey.levels.get(rate);
      OpenLoop.Result f = floor.levels.get(rate);
      boolean p99Ok = l.p99Ms() <= 2 * f.p99Ms() && (rate != 100 || l.p99Ms() <= 50);
      String target = rate == 100 ? "≤ 50 ms and ≤ 2× floor" : "≤ 2× floor";
      report.row(
          "1. ack p99 at " + rate + "/s (p50 / max)",
          Report.ms(l.p99Ms()) + " (" + Report.ms(l.p50Ms()) + " / " + Report.ms(l.maxMs()) + ")",
          Report.ms(f.p99Ms()) + " (" + Report.ms(f.p50Ms()) + " / " + Report.ms(f.maxMs()) + ")",
          Report.ratio(l.p99Ms(), f.p99Ms()),
          target,
          Report.yesNo(p99Ok));
      report.row(
          "1. over 3 s / errors at " + rate + "/s (of " + l.sent() + ")",
          l.over3s() + " / " + l.errors(),
          f.over3s() + " / " + f.errors(),
          "—",
          "0 over 3 s",
          Report.yesNo(l.over3s() == 0));
    }
    // Start 1 is on a new database and writes the class archive (AppCDS, in the default JVM
    // options) at exit;
    // the later starts read it, as every start after the first does.
    Duration lFirst = latchkey.starts.getFirst();
    Duration fFirst = floor.starts.getFirst();
    report.row(
        "5. start-up to ready, first start (new database, no class archive yet)",
        Report.ms(lFirst.toMillis()),
        Report.ms(fFirst.toMillis()),
        Report.ratio(lFirst.toMillis(), fFirst.toMillis()),
        "≤ 3 s",
        Report.yesNo(lFirst.toMillis() <= 3000));
    Duration lWorst = latchkey.starts.stream().skip(1).max(Duration::compareTo).orElseThrow();
    Duration fWorst = floor.starts.stream().skip(1).max(Duration::compareTo).orElseThrow();
    report.row(
        "5. start-up to ready, later starts (class archive present), worst of 2",
        Report.ms(lWorst.toMillis()),
        Report.ms(fWorst.toMillis()),
        Report.ratio(lWorst.toMillis(), fWorst.toMillis()),
        "≤ 3 s",
        Report.yesNo(lWorst.toMillis() <= 3000));
    if (restart != null) {
      report.row(
          "5. restart on the state benchmark 1 left (" + latchkeyState() + ")",
          Report.ms(restart.toMillis()),
          "—",
          "—",
          "≤ 3 s",
          Report.yesNo(restart.toMillis() <= 3000));
    }
    report.row(
        "5. peak RSS (VmHWM) over start-up, warm-up and benchmark 1",
        mib(latchkey.peakRssKib),
        mib(floor.peakRssKib),
        Report.ratio(latchkey.peakRssKib, floor.peakRssKib),
        "≤ 300 MB",
        Report.yesNo(latchkey.peakRssKib * 1024L <= 300L * 1000 * 1000));

    StringBuilder s = new StringBuilder();
    s.append("### 1. Slack acknowledgement latency\n\n");
    s.append("Open loop, ")
        .append(bench.seconds())
        .append(" s per rate after a ")
        .append(bench.warmupSeconds())
        .append(
            " s warm-up at 50/s; latency from each request's intended send time to its answer"
                + " (HdrHistogram). ")
        .append(
            "Mix per 10 requests: 1 approve + 1 deny click on real pending requests, 2 clicks by a"
                + " non-approver (vendor workspace: refused and audited), `/access list` ×2,"
                + " `/access status` ×2, `/access request` ×2. Both servers run as child processes"
                + " with `")
        .append(String.join(" ", bench.jvmOptions()))
        .append(
            "`, both up throughout; the rates alternate between "
                + "them (floor, then Latchkey). Machine before: ")
        .append(loadBefore)
        .append("; after: ")
        .append(loadAfter)
        .append(".\n\n");
    s.append(
        "| rate | server | sent | p50 | p90 | p99 | p99.9 | max | errors | > 3 s | server CPU |"
            + " machine busy | Slack quiet again after |\n");
    s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (int rate : bench.rates()) {
      for (Server side : List.of(floor, latchkey)) {
        OpenLoop.Result r = side.levels.get(rate);
        Histogram h = r.all();
        s.append("| ")
            .append(rate)
            .append("/s | ")
            .append(side.name)
            .append(" | ")
            .append(r.sent())
            .append(" | ")
            .append(Report.ms(h.getValueAtPercentile(50) / 1000.0))
            .append(" | ")
            .append(Report.ms(h.getValueAtPercentile(90) / 1000.0))
            .append(" | ")
            .append(Report.ms(h.getValueAtPercentile(99) / 1000.0))
            .append(" | ")
            .append(Report.ms(h.getValueAtPercentile(99.9) / 1000.0))
            .append(" | ")
            .append(Report.ms(h.getMaxValue() / 1000.0))
            .append(" | ")
            .append(r.errors())
            .append(" | ")
            .append(r.over3s())
            .append(" | ")
            .append(String.format(Locale.ROOT, "%.2f cores", side.cores.get(rate)))
            .append(" | ")
            .append(Cpu.percent(side.machineBusy.get(rate)))
            .append(" | ")
            .append(String.format(Locale.ROOT, "%.1f s", side.drains.get(rate) / 1000.0))
            .append(" |\n");
      }
    }
    s.append(
        "\nLatchkey by kind of request:\n\n| rate | kind | count | p50 | p99 | max |\n"
            + "| --- | --- | --- | --- | --- | --- |\n");
    for (int rate : bench.rates()) {
      latchkey
          .levels
          .get(rate)
          .byKind()
          .forEach(
              (kind, h) ->
                  s.append("| ")
                      .append(rate)
                      .append("/s | ")
                      .append(kind)
                      .append(" | ")
                      .append(h.getTotalCount())
                      .append(" | ")
                      .append(Report.ms(h.getValueAtPercentile(50) / 1000.0))
                      .append(" | ")
                      .append(Report.ms(h.getValueAtPercentile(99) / 1000.0))
                      .append(" | ")
                      .append(Report.ms(h.getMaxValue() / 1000.0))
                      .append(" |\n"));
    }
    Map<String, Long> errors = new LinkedHashMap<>();
    for (Server side : List.of(floor, latchkey)) {
      side.levels.forEach(
          (rate, r) ->
              r.errorKinds().forEach((k, v) -> errors.put(side.name + " " + rate + "/s " + k, v)));
    }
    if (!errors.isEmpty()) {
      s.append("\nErrors: ").append(errors).append('\n');
    }
    s.append(
            "\n"
                + "Clicks that found no pending request left and went to the non-approver path"
                + " instead: ")
        .append(fallbacks.get())
        .append(". `/access request`s answered without an id (refused): ")
        .append(refusedRequests.get())
        .append(". Slack Web API calls received so far: ")
        .append(bench.slack().calls())
        .append(".\n");
    s.append("\nLatchkey's own counters at the end (`/metrics`):\n\n```\n")
        .append(latchkey.metrics.strip())
        .append("\n```\n");
    s.append(
        "\n"
            + "### 5. Start-up to ready\n\n"
            + "From `ProcessBuilder.start()` to the first 200 from `/readyz` (Latchkey:"
            + " configuration read, database open and migrated, cluster connected, timers caught up"
            + " and reconciled, Slack served; the floor: Jetty and the bare Bolt app started)."
            + " Three starts each, alternating, the first on a new H2 file and without a class"
            + " archive.\n\n"
            + "| | start 1 | start 2 | start 3 |\n"
            + "| --- | --- | --- | --- |\n");
    for (Server side : List.of(floor, latchkey)) {
      s.append("| ").append(side.name);
      side.starts.forEach(d -> s.append(" | ").append(Report.ms(d.toMillis())));
      s.append(" |\n");
    }
    if (restart != null) {
      s.append("| Latchkey restarted after benchmark 1 (")
          .append(latchkeyState())
          .append(") | ")
          .append(Report.ms(restart.toMillis()))
          .append(" | | |\n");
    }
    s.append(
        "\n"
            + "The JVM options include a dynamic class-data archive (`-XX:+AutoCreateSharedArchive"
            + " -XX:SharedArchiveFile=...`): start 1 writes it when the process exits, starts 2 and"
            + " 3 map it.\n");
    s.append("\nResident memory right after start 3 (idle): Latchkey ")
        .append(mib(latchkey.rssAfterStart))
        .append(", bare Bolt ")
        .append(mib(floor.rssAfterStart))
        .append(".\n");
    report.section(s.toString());
  }

  private String latchkeyState() {
    String metrics = lastMetrics;
    return metrics.isEmpty() ? "its requests" : metrics;
  }

  private String lastMetrics = "";

  private static String mib(long kib) {
    return String.format(Locale.ROOT, "%.0f MB", kib * 1024.0 / 1_000_000);
  }
}
