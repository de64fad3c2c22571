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

  /** Latchkey's start after benchmark 1, on the database and cluster state it left. */
  private Duration restart;

  void run() throws Exception {
    bench.slack().onResponseUrl(this::onResponse);
    String loadBefore = Cpu.load();
    AckServer floor = floorServer();
    AckServer latchkey = latchkeyServer();
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
    AckReport.write(
        bench,
        floor,
        latchkey,
        restart,
        lastMetrics.isEmpty() ? "its requests" : lastMetrics,
        fallbacks.get(),
        refusedRequests.get(),
        loadBefore,
        Cpu.load());
  }

  private AckServer floorServer() throws IOException {
    int port = freePort();
    Path dir = bench.workDir().resolve("ack-floor");
    Files.createDirectories(dir);
    List<String> command = new ArrayList<>();
    command.add(bench.javaBin());
    command.addAll(bench.jvmOptions());
    command.addAll(List.of("-cp", bench.benchJar().toString(), BareBoltServer.class.getName()));
    return new AckServer(client, bench, "bare Bolt", command, slackEnv(port), dir, port);
  }

  private AckServer latchkeyServer() throws IOException {
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
    return new AckServer(client, bench, "Latchkey", command, env, dir, port);
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

  private String lastMetrics = "";
}
