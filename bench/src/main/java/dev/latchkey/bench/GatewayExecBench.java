package dev.latchkey.bench;

import dev.latchkey.core.port.SessionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Benchmark 7: an exec stream's throughput through the gateway, recorded as it passes, against the
 * same exec sent straight to the API server with a token of the same grant's ServiceAccount (API
 * server audience), over WebSocket and over SPDY, with kubectl.
 */
final class GatewayExecBench {
  private final GatewayBench.Run run;
  private final GatewayHost host;
  private final GatewayHost.Grant grant;
  private final String directToken;
  private final Kube kube;

  GatewayExecBench(
      GatewayBench.Run run, GatewayHost host, GatewayHost.Grant grant, String directToken) {
    this.run = run;
    this.host = host;
    this.grant = grant;
    this.directToken = directToken;
    this.kube = run.bench().kube();
  }

  /** The ways a stream reaches the API server. */
  private enum Route {
    GATEWAY(" through the gateway"),
    DIRECT(" direct"),
    PIPE(" through a TLS pipe");

    final String words;

    Route(String words) {
      this.words = words;
    }
  }

  private record Variant(String transport, Route route) {
    boolean gateway() {
      return route == Route.GATEWAY;
    }

    String name() {
      return transport + route.words;
    }
  }

  private record Measured(
      Variant variant, List<Double> mbPerSecond, double setupMillis, List<String> notes) {
    double median() {
      double[] sorted = mbPerSecond.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }
  }

  void run() throws Exception {
    if (!Kubectl.available()) {
      run.report().section("### 7. Exec stream throughput\n\nNot run: kubectl is not on the PATH.");
      return;
    }
    long bytes = run.settings().execMegabytes() * 1_000_000L;
    String pod = run.pods().getFirst();
    Path dir = run.dir();
    Path gatewayConfig =
        GatewayBench.kubeconfig(
            dir.resolve("gateway.kubeconfig"), host.server(), host.caData(), grant.token());
    Path directConfig =
        GatewayBench.kubeconfig(
            dir.resolve("direct.kubeconfig"), kube.server, kube.caData, directToken);
    TlsPipe pipe = new TlsPipe(dir.resolve("pipe"), java.net.URI.create(kube.server), kube.caData);
    Path pipeConfig =
        GatewayBench.kubeconfig(
            dir.resolve("pipe.kubeconfig"), pipe.server(), pipe.caData(), directToken);
    Map<Route, Path> configs =
        Map.of(Route.GATEWAY, gatewayConfig, Route.DIRECT, directConfig, Route.PIPE, pipeConfig);
    try {
      Kubectl.Run made =
          Kubectl.run(
              run.bench().adminKubeconfig(),
              Map.of(),
              "exec",
              "-n",
              run.namespace(),
              pod,
              "-c",
              "main",
              "--",
              "sh",
              "-c",
              GatewayBench.bigFileCommand(bytes));
      if (made.exit() != 0) {
        throw new IllegalStateException("could not write the big file: " + made.errors());
      }
      List<Variant> variants =
          List.of(
              new Variant("WebSocket", Route.GATEWAY),
              new Variant("WebSocket", Route.DIRECT),
              new Variant("WebSocket", Route.PIPE),
              new Variant("SPDY", Route.GATEWAY),
              new Variant("SPDY", Route.DIRECT),
              new Variant("SPDY", Route.PIPE));
      Map<Variant, Measured> measured = new LinkedHashMap<>();
      for (Variant v : variants) {
        Path config = configs.get(v.route());
        long[] setup = new long[3];
        for (int i = 0; i < setup.length; i++) {
          setup[i] = exec(config, v, pod, "true").nanos();
        }
        Arrays.sort(setup);
        measured.put(v, new Measured(v, new ArrayList<>(), setup[1] / 1e6, new ArrayList<>()));
      }
      // Not counted: a Latchkey that has served for a while has its stream path compiled; a cold
      // one spends the first runs in the JIT compiler (half a core, measured) on the same cores.
      for (int w = 0; w < run.settings().execWarmups(); w++) {
        for (Variant v : variants) {
          Kubectl.Run warm = exec(configs.get(v.route()), v, pod, "cat", GatewayBench.BIG_FILE);
          Bench.log("throughput: warm-up %d of %s: %.2f s", w + 1, v.name(), warm.nanos() / 1e9);
        }
      }
      String loadBefore = Cpu.load();
      for (int r = 0; r < run.settings().execRuns(); r++) {
        List<Variant> order = new ArrayList<>(variants);
        if (r % 2 == 1) {
          order.sort(Comparator.comparing(v -> v.route() == Route.DIRECT ? 0 : 1));
        }
        for (Variant v : order) {
          Measured m = measured.get(v);
          long parts0 = host.sessions.parts.sum();
          long partBytes0 = host.sessions.partBytes.sum();
          long partNanos0 = host.sessions.partNanos.sum();
          Set<String> ended0 = v.gateway() ? endedSessions() : Set.of();
          Kubectl.Run cat = exec(configs.get(v.route()), v, pod, "cat", GatewayBench.BIG_FILE);
          double seconds = (cat.nanos() / 1e6 - m.setupMillis()) / 1000;
          double mbs = bytes / 1e6 / seconds;
          String note =
              String.format(
                  Locale.ROOT,
                  "%s, run %d: %.2f s, %,d bytes, exit %d, %.1f MB/s net of the set-up",
                  v.name(),
                  r + 1,
                  cat.nanos() / 1e9,
                  cat.bytes(),
                  cat.exit(),
                  mbs);
          if (v.gateway()) {
            SessionStore.SessionRecord s = awaitEnded(ended0);
            note +=
                String.format(
                    Locale.ROOT,
                    "; session ended %s after passing %,d bytes to the client; recording %,d bytes"
                        + " in %,d parts, %.2f s of storing (on a worker, the bytes waiting for"
                        + " it)",
                    s == null ? "(not recorded within 10 s)" : s.end().orElseThrow().cause(),
                    s == null ? -1 : s.end().orElseThrow().bytesFromServer(),
                    s == null
                        ? host.sessions.partBytes.sum() - partBytes0
                        : s.end().orElseThrow().recordingBytes(),
                    host.sessions.parts.sum() - parts0,
                    (host.sessions.partNanos.sum() - partNanos0) / 1e9);
          }
          if (cat.exit() != 0) {
            note += "; kubectl said: " + cat.errors().strip().replace('\n', ' ');
          }
          m.notes().add(note);
          Bench.log("throughput: %s", note);
          if (cat.exit() == 0 && cat.bytes() == bytes) {
            m.mbPerSecond().add(mbs);
          }
        }
      }
      reportThroughput(measured, bytes, loadBefore);
      Kubectl.run(
          run.bench().adminKubeconfig(),
          Map.of(),
          "exec",
          "-n",
          run.namespace(),
          pod,
          "-c",
          "main",
          "--",
          "rm",
          "-f",
          GatewayBench.BIG_FILE);
    } finally {
      pipe.close();
      Files.deleteIfExists(gatewayConfig);
      Files.deleteIfExists(directConfig);
      Files.deleteIfExists(pipeConfig);
    }
  }

  private Kubectl.Run exec(Path config, Variant v, String pod, String... command) throws Exception {
    List<String> args =
        new ArrayList<>(List.of("exec", "-n", run.namespace(), pod, "-c", "main", "--"));
    args.addAll(List.of(command));
    Map<String, String> env =
        v.transport().equals("SPDY")
            ? Map.of("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "false")
            : Map.of();
    return Kubectl.run(config, env, args.toArray(String[]::new));
  }

  private Set<String> endedSessions() {
    Set<String> ids = new HashSet<>();
    for (SessionStore.SessionRecord s : host.sessions.sessions(grant.id())) {
      if (s.end().isPresent()) {
        ids.add(s.session().id().value());
      }
    }
    return ids;
  }

  /** The grant's session that ended since {@code before} was read, or null after 10 s. */
  private SessionStore.SessionRecord awaitEnded(Set<String> before) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (SessionStore.SessionRecord s : host.sessions.sessions(grant.id())) {
        if (s.end().isPresent() && !before.contains(s.session().id().value())) {
          return s;
        }
      }
      Thread.sleep(50);
    }
    return null;
  }

  private void reportThroughput(Map<Variant, Measured> measured, long bytes, String loadBefore) {
    Report report = run.report();
    for (String transport : List.of("WebSocket", "SPDY")) {
      Measured through = measured.get(new Variant(transport, Route.GATEWAY));
      Measured direct = measured.get(new Variant(transport, Route.DIRECT));
      Measured piped = measured.get(new Variant(transport, Route.PIPE));
      double ratio = direct.median() == 0 ? 0 : through.median() / direct.median();
      report.row(
          "7. exec `cat` of " + bytes / 1_000_000 + " MB over " + transport + ", median MB/s",
          String.format(Locale.ROOT, "%.1f MB/s", through.median()),
          String.format(Locale.ROOT, "%.1f MB/s", direct.median()),
          String.format(Locale.ROOT, "%.0f%%", ratio * 100),
          "≥ 80% of direct",
          Report.yesNo(ratio >= 0.8 && through.mbPerSecond().size() == run.settings().execRuns()));
      report.row(
          "7. the same through a TLS pipe that only relays (the extra hop alone), median MB/s",
          String.format(Locale.ROOT, "%.1f MB/s", piped.median()),
          String.format(Locale.ROOT, "%.1f MB/s", direct.median()),
          String.format(
              Locale.ROOT,
              "%.0f%%",
              direct.median() == 0 ? 0 : piped.median() / direct.median() * 100),
          "(no target: the floor of any gateway that reads what passes)",
          "—");
    }
    StringBuilder out = new StringBuilder();
    out.append("### 7. Exec stream throughput\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "`kubectl exec <pod> -- cat %s` of a %,d-byte text file (log-like lines) in the"
                    + " pod's working folder (kubelet-lite runs exec as a local process), its"
                    + " output read and counted by the benchmark; kubectl 1.32 over WebSocket"
                    + " (`v5.channel.k8s.io`, its default) and over SPDY"
                    + " (`KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`), through the gateway with the"
                    + " grant's gateway kubeconfig and directly with the API-server-audience token"
                    + " of the same ServiceAccount, and with that token through a TLS pipe"
                    + " (`TlsPipe`: the client's TLS ended and the API server's opened with the"
                    + " gateway's TLS engine and sockets, bytes relayed and nothing else, no HTTP,"
                    + " no checks, no records), the floor of any gateway that must read what"
                    + " passes. %d runs of each, the order alternating, after %d not counted"
                    + " (warm-up); MB/s is the file's size over the run's time less the median time"
                    + " of `kubectl exec -- true` by the same path (kubectl's start, TLS, token"
                    + " review, session records), shown beside it. The recording is on: every byte"
                    + " of output is decoded on the side and stored in the database as asciicast v2"
                    + " (recording cap raised to %d MB for this run: the default 64 MB would end"
                    + " this session when its recording is full). Machine before: %s; after:"
                    + " %s.\n\n",
                GatewayBench.BIG_FILE,
                bytes,
                run.settings().execRuns(),
                run.settings().execWarmups(),
                run.settings().recordingCapBytes() / 1024 / 1024,
                loadBefore,
                Cpu.load()))
        .append("| path | median MB/s | runs that completed | `exec -- true` |\n")
        .append("| --- | --- | --- | --- |\n");
    for (Measured m : measured.values()) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %d of %d | %s |\n",
              m.variant().name(),
              m.median(),
              m.mbPerSecond().size(),
              run.settings().execRuns(),
              Report.ms(m.setupMillis())));
    }
    out.append("\nEach run:\n\n");
    measured.values().forEach(m -> m.notes().forEach(n -> out.append("- ").append(n).append('\n')));
    report.section(out.toString());
  }
}
