package dev.latchkey.bench;

import java.io.Reader;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Benchmark 9: the resident memory a thousand idle watches add to the gateway's process. The
 * gateway runs alone in a child process ({@link GatewayHost#main}) with the JVM options of {@code
 * ./latchkey run}, so the figure is its own and not the load generator's.
 */
final class GatewayMemoryBench {
  private static final long TARGET_MIB = 100;
  private static final int WARMUP_WATCHES = 50;
  private static final int OPENING_AT_ONCE = 32;

  private final GatewayBench.Run run;

  GatewayMemoryBench(GatewayBench.Run run) {
    this.run = run;
  }

  void run() throws Exception {
    Bench bench = run.bench();
    Path dir = run.dir().resolve("child");
    Files.createDirectories(dir);
    Path ready = dir.resolve("gateway.properties");
    Files.deleteIfExists(ready);
    List<String> command = new ArrayList<>();
    command.add(bench.javaBin());
    command.addAll(bench.jvmOptions());
    command.addAll(
        List.of(
            "-cp",
            bench.benchJar().toString(),
            GatewayHost.class.getName(),
            dir.toAbsolutePath().toString(),
            bench.latchkeyKubeconfig().toAbsolutePath().toString(),
            run.namespace()));
    Bench.log("memory: starting the gateway alone in a child process");
    try (Child child = Child.start(command, Map.of(), dir, dir.resolve("gateway.log"))) {
      Properties gateway = awaitReady(child, ready);
      Files.delete(ready);
      String server = gateway.getProperty("server");
      String token = gateway.getProperty("token");
      String resourceVersion =
          bench
              .kube()
              .admin
              .pods()
              .inNamespace(run.namespace())
              .list()
              .getMetadata()
              .getResourceVersion();
      long started = child.rssKib();
      try (HttpClient warmup = client(gateway)) {
        List<LongSessions.Open> open =
            openWatches(warmup, server, token, resourceVersion, WARMUP_WATCHES);
        Thread.sleep(1000);
        open.forEach(LongSessions.Open::close);
      }
      Thread.sleep(3000);
      long before = child.rssKib();
      int watches = run.settings().watches();
      Bench.log("memory: RSS %d MiB; opening %d watches", before / 1024, watches);
      long opening = System.nanoTime();
      long after;
      long peak;
      long closedEarly;
      double openSeconds;
      int failed;
      try (HttpClient http = client(gateway)) {
        List<LongSessions.Open> open = openWatches(http, server, token, resourceVersion, watches);
        failed = (int) open.stream().filter(o -> o.opened.isCompletedExceptionally()).count();
        openSeconds = (System.nanoTime() - opening) / 1e9;
        Thread.sleep(5000);
        after = child.rssKib();
        peak = child.peakRssKib();
        closedEarly = open.stream().filter(o -> o.closedAt.isDone()).count();
        open.forEach(LongSessions.Open::close);
      }
      Thread.sleep(3000);
      long closed = child.rssKib();
      long extraMib = (after - before) / 1024;
      Bench.log(
          "memory: RSS %d MiB before, %d MiB with %d watches open (+%d MiB), %d MiB after they"
              + " closed",
          before / 1024, after / 1024, watches, extraMib, closed / 1024);
      run.report()
          .row(
              "9. memory: " + watches + " idle watches through the gateway, extra RSS",
              String.format(
                  Locale.ROOT, "+%d MB (%d → %d MB)", extraMib, before / 1024, after / 1024),
              "—",
              "—",
              "≤ 100 MB",
              Report.yesNo(extraMib <= TARGET_MIB && failed == 0));
      run.report()
          .section(
              String.format(
                  Locale.ROOT,
                  "### 9. Memory of idle watches\n\nThe gateway alone in a child process (the"
                      + " benchmark's jar, JVM options of `./latchkey run`, `MALLOC_ARENA_MAX=2`),"
                      + " with its own H2 file and one readonly grant. RSS (VmRSS of"
                      + " `/proc/<pid>/status`, MiB): %d after start; %d after a warm-up of %d"
                      + " watches opened and closed (the figure's \"before\"); %d with %,d watches"
                      + " of the namespace's pods open and idle for 5 s (opened in %.1f s, %d"
                      + " at a time, %d failed, %d closed early), each one a TLS connection from"
                      + " the client and one to the API server; %d once they were closed again."
                      + " Peak (VmHWM) %d MiB. Extra per watch: %.1f KiB.",
                  started / 1024,
                  before / 1024,
                  WARMUP_WATCHES,
                  after / 1024,
                  watches,
                  openSeconds,
                  OPENING_AT_ONCE,
                  failed,
                  closedEarly,
                  closed / 1024,
                  peak / 1024,
                  (after - before) / (double) watches));
    }
  }

  private static HttpClient client(Properties gateway) throws Exception {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .sslContext(TokenProbe.trusting(gateway.getProperty("ca")))
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  private List<LongSessions.Open> openWatches(
      HttpClient http, String server, String token, String resourceVersion, int n)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(OPENING_AT_ONCE);
    List<LongSessions.Open> open = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      LongSessions.Open watch =
          LongSessions.watch(http, server, run.namespace(), resourceVersion, token);
      watch.opened.whenComplete((ok, e) -> inFlight.release());
      open.add(watch);
    }
    for (LongSessions.Open watch : open) {
      try {
        watch.opened.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // counted by the caller
      }
    }
    return open;
  }

  private static Properties awaitReady(Child child, Path ready) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (Files.exists(ready)) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(ready)) {
          p.load(in);
        }
        return p;
      }
      if (child.rssKib() < 0) {
        throw new IllegalStateException("the gateway's process ended; see " + child.log);
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the gateway's process not ready in 120 s; see " + child.log);
  }
}
