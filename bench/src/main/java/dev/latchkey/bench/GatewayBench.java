package dev.latchkey.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Benchmarks 6 to 9, the session gateway, each beside its floor on the real API server: the
 * overhead of a request, the throughput of an exec stream, cutting a thousand sessions at once, and
 * the memory of a thousand idle watches. The gateway runs as a library with the real storage
 * ({@link GatewayHost}): in this process for 6 to 8, alone in a child process for 9.
 *
 * <p>Settings (environment): BENCH_SECONDS and BENCH_WARMUP_SECONDS (as for benchmark 1),
 * BENCH_GATEWAY_WARMUP_SECONDS (90, benchmark 6's warm-up through the gateway alone), BENCH_EXEC_MB
 * (100), BENCH_EXEC_RUNS (3), BENCH_EXEC_WARMUPS (2), BENCH_CUT_GRANTS (100), BENCH_CUT_SESSIONS
 * (10 a grant, half exec streams, half watches), BENCH_WATCHES (1000), BENCH_RECORDING_CAP_MB
 * (256), and BENCH_GATEWAY: which of 6, 7, 8, 9 to run (default all; for profiling one of them).
 */
final class GatewayBench {
  static final int PODS = 20;
  static final String BIG_FILE = "big.txt";

  /** A log-like line: what `cat` of a large file usually shows, recorded as text. */
  private static final String LINE =
      "2026-01-01T00:00:00.000Z INFO  request served method=GET path=/api/v1/orders status=200"
          + " bytes=5120 ms=12";

  private final Bench bench;
  private final Report report;
  private final Settings settings;

  /** What the benchmarks of the group are told by the environment. */
  record Settings(
      int seconds,
      int warmupSeconds,
      int gatewayWarmupSeconds,
      int execMegabytes,
      int execRuns,
      int execWarmups,
      int cutGrants,
      int cutSessions,
      int watches,
      long recordingCapBytes,
      Set<String> only) {
    static Settings from(Map<String, String> env) {
      return new Settings(
          Integer.parseInt(env.getOrDefault("BENCH_SECONDS", "30")),
          Integer.parseInt(env.getOrDefault("BENCH_WARMUP_SECONDS", "30")),
          Integer.parseInt(env.getOrDefault("BENCH_GATEWAY_WARMUP_SECONDS", "90")),
          Integer.parseInt(env.getOrDefault("BENCH_EXEC_MB", "100")),
          Integer.parseInt(env.getOrDefault("BENCH_EXEC_RUNS", "3")),
          Integer.parseInt(env.getOrDefault("BENCH_EXEC_WARMUPS", "2")),
          Integer.parseInt(env.getOrDefault("BENCH_CUT_GRANTS", "100")),
          Integer.parseInt(env.getOrDefault("BENCH_CUT_SESSIONS", "10")),
          Integer.parseInt(env.getOrDefault("BENCH_WATCHES", "1000")),
          Long.parseLong(env.getOrDefault("BENCH_RECORDING_CAP_MB", "256")) * 1024 * 1024,
          Set.of(env.getOrDefault("BENCH_GATEWAY", "6,7,8,9").replace(" ", "").split(",")));
    }

    boolean runs(int benchmark) {
      return only.contains(Integer.toString(benchmark));
    }
  }

  /** What every benchmark of the group shares. */
  record Run(
      Bench bench,
      Report report,
      Settings settings,
      Path dir,
      String namespace,
      List<String> pods) {}

  GatewayBench(Bench bench, Report report, Map<String, String> env) {
    this.bench = bench;
    this.report = report;
    this.settings = Settings.from(env);
  }

  void run() throws Exception {
    Path dir = bench.workDir().resolve("gateway");
    Files.createDirectories(dir);
    KubernetesClient admin = bench.kube().admin;
    String namespace = "gw-bench-" + Long.toString(System.currentTimeMillis(), 36);
    Bench.log("gateway: namespace %s with %d pods on kit-node", namespace, PODS);
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    List<String> pods = new ArrayList<>();
    try {
      for (int i = 0; i < PODS; i++) {
        String name = String.format(Locale.ROOT, "app-%02d", i);
        admin.pods().inNamespace(namespace).resource(pod(name)).create();
        pods.add(name);
      }
      awaitRunning(admin, namespace);
      Run run = new Run(bench, report, settings, dir, namespace, List.copyOf(pods));
      try (GatewayHost host =
          GatewayHost.start(
              dir.resolve("host"), bench.latchkeyKubeconfig(), settings.recordingCapBytes())) {
        GatewayHost.Grant operator = host.grant("operator", namespace);
        String direct = apiServerToken(operator);
        if (settings.runs(6)) {
          new GatewayRequestBench(run, host, operator, direct).run();
        }
        if (settings.runs(7)) {
          new GatewayExecBench(run, host, operator, direct).run();
        }
        if (settings.runs(8)) {
          new GatewayCutBench(run, host).run();
        }
      }
      if (settings.runs(9)) {
        new GatewayMemoryBench(run).run();
      }
    } finally {
      admin.namespaces().withName(namespace).delete();
    }
  }

  private static Pod pod(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNodeName("kit-node")
        .addNewContainer()
        .withName("main")
        .withImage("busybox")
        .endContainer()
        .endSpec()
        .build();
  }

  private static void awaitRunning(KubernetesClient admin, String namespace)
      throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      long running =
          admin.pods().inNamespace(namespace).list().getItems().stream()
              .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
              .count();
      if (running == PODS) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the pods of " + namespace + " are not all Running after 60 s");
  }

  /**
   * A token of the grant's own ServiceAccount with the API server's audience (what token mode would
   * hand out): the floor of benchmarks 6 and 7 reaches the API server directly with it.
   */
  private String apiServerToken(GatewayHost.Grant grant) {
    return bench
        .kube()
        .admin
        .serviceAccounts()
        .inNamespace("latchkey-grants")
        .withName(grant.id().value())
        .tokenRequest(
            new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus()
        .getToken();
  }

  /** The big file of benchmark 7: text lines, in the pod's working folder. */
  static String bigFileCommand(long bytes) {
    return "yes '" + LINE + "' | head -c " + bytes + " > " + BIG_FILE;
  }

  /** A kubeconfig file readable by its owner only (it holds a token); deleted by the caller. */
  static Path kubeconfig(Path file, String server, String caData, String token) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: u
          user:
            token: %s
        contexts:
        - name: c
          context:
            cluster: c
            user: u
        current-context: c
        """
            .formatted(server, caData, token));
    return file;
  }

  static String header(String machine, List<String> jvmOptions, double minutes, boolean alone) {
    return "Run on "
        + ZonedDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))
        + " with `bench/run.sh` ("
        + String.format(Locale.ROOT, "%.1f", minutes)
        + " min"
        + (alone ? ", only gateway" : ", with the other benchmarks")
        + ").\n\n"
        + machine
        + " JDK: "
        + System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.runtime.version")
        + ". The gateway runs as a library (stood up as the bot stands it up, without Slack), with"
        + " Latchkey's core on the real storage (H2 file: session-log lines, sessions, recordings"
        + " and audit events are real writes) and grants made on the API server by the real adapter"
        + " as Latchkey's own least-privilege identity; for 6 to 8 in the benchmark process (`"
        + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())
        + "`), for 9 alone in a child process with `"
        + String.join(" ", jvmOptions)
        + "` (the defaults of `./latchkey run`). Its settings are the defaults (I/O threads two per"
        + " core, 16 workers, cut interval 250 ms, token reviews reused 5 s) but for the recording"
        + " cap of benchmark 7. Kubernetes: kube-apiserver v1.20.2 + etcd 3.4.23 + kubelet-lite"
        + " from shared/kube on the same machine; everything on loopback and on the same two"
        + " cores.";
  }
}
