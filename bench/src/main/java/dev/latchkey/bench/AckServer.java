package dev.latchkey.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/** Benchmark 1: a server under test (a child process) and what was measured on it. */
final class AckServer {
  private final HttpClient client;
  private final Bench bench;
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

  AckServer(
      HttpClient client,
      Bench bench,
      String name,
      List<String> command,
      Map<String, String> env,
      Path dir,
      int port) {
    this.client = client;
    this.bench = bench;
    this.name = name;
    this.command = command;
    this.env = env;
    this.dir = dir;
    this.port = port;
    this.healthPort = Integer.parseInt(env.getOrDefault("MANAGEMENT_PORT", Integer.toString(port)));
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
