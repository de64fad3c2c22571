package dev.latchkey.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs the benchmarks of bench/README.md against the API server named by ADMIN_KUBECONFIG and
 * writes RESULTS.md. Started by bench/run.sh, which builds everything, starts and stops the API
 * server and passes:
 *
 * <ul>
 *   <li>ADMIN_KUBECONFIG (required), BENCH_WORKDIR, BENCH_RESULTS, LATCHKEY_JAR, DEPLOY_DIR;
 *   <li>BENCH_ONLY: a comma list of due, ack, grants, gateway (default all);
 *   <li>BENCH_RATES (50,100,200), BENCH_SECONDS (30), BENCH_WARMUP_SECONDS (30), BENCH_APPROVALS
 *       (1000), BENCH_EXPIRY_GRANTS (10000), BENCH_EXPIRY_TIMEOUT_SECONDS (600);
 *   <li>LATCHKEY_JAVA_OPTS: JVM options of the child processes (default those of ./latchkey run);
 *   <li>the session gateway's settings, read by {@link GatewayBench}.
 * </ul>
 */
public final class BenchMain {
  /**
   * The JVM options of {@code ./latchkey run}; the class archive lands in each process's own
   * folder.
   */
  static final String DEFAULT_JAVA_OPTS =
      "-XX:+UseSerialGC -Xss512k -Xms32m -Xmx256m -XX:+ExitOnOutOfMemoryError "
          + "-XX:SharedArchiveFile=latchkey.jsa -XX:+AutoCreateSharedArchive "
          + "-Xlog:disable -Xlog:all=warning,cds=off,cds+dynamic=off:stderr";

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    Path work = Path.of(env.getOrDefault("BENCH_WORKDIR", "/tmp/latchkey-bench"));
    Files.createDirectories(work);
    Path results = Path.of(env.getOrDefault("BENCH_RESULTS", "bench/RESULTS.md"));
    Set<String> only =
        Arrays.stream(env.getOrDefault("BENCH_ONLY", "due,ack,grants,gateway").split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    Path adminKubeconfig = Path.of(required(env, "ADMIN_KUBECONFIG"));
    Path benchJar =
        Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> jvmOptions =
        List.of(env.getOrDefault("LATCHKEY_JAVA_OPTS", DEFAULT_JAVA_OPTS).strip().split("\\s+"));
    Report report = new Report();
    Report gatewayReport =
        new Report(Report.GATEWAY_START, Report.GATEWAY_END, "through the gateway");
    long started = System.nanoTime();
    try (SlackStub slack = SlackStub.start();
        Kube kube = new Kube(adminKubeconfig)) {
      kube.install(Path.of(env.getOrDefault("DEPLOY_DIR", "deploy")));
      kube.removeGrantObjects();
      Path latchkeyKubeconfig = kube.latchkeyKubeconfig(work.resolve("latchkey.kubeconfig"), 3);
      Bench bench =
          new Bench(
              work,
              Path.of(env.getOrDefault("LATCHKEY_JAR", "bot/target/latchkey.jar")),
              benchJar,
              Path.of(env.getOrDefault("DEPLOY_DIR", "deploy")),
              javaBin,
              jvmOptions,
              adminKubeconfig,
              latchkeyKubeconfig,
              Arrays.stream(env.getOrDefault("BENCH_RATES", "50,100,200").split(","))
                  .map(String::strip)
                  .filter(r -> !r.isEmpty())
                  .map(Integer::parseInt)
                  .toList(),
              Integer.parseInt(env.getOrDefault("BENCH_SECONDS", "30")),
              Integer.parseInt(env.getOrDefault("BENCH_WARMUP_SECONDS", "30")),
              Integer.parseInt(env.getOrDefault("BENCH_APPROVALS", "1000")),
              Integer.parseInt(env.getOrDefault("BENCH_EXPIRY_GRANTS", "10000")),
              Duration.ofSeconds(
                  Long.parseLong(env.getOrDefault("BENCH_EXPIRY_TIMEOUT_SECONDS", "600"))),
              slack,
              kube,
              report);
      if (only.contains("due")) {
        Bench.log("4. timer's due query at scale");
        new DueQueryBench(bench).run();
      }
      if (only.contains("ack")) {
        Bench.log("1 and 5. acknowledgement latency, start-up and memory");
        new AckBench(bench).run();
        kube.removeGrantObjects();
      }
      if (only.contains("grants")) {
        Bench.log("2 and 3. approval to usable access, mass expiry");
        new GrantBench(bench).run();
        kube.removeGrantObjects();
      }
      if (only.contains("gateway")) {
        Bench.log("6 to 9. the session gateway");
        new GatewayBench(bench, gatewayReport, env).run();
        kube.removeGrantObjects();
      }
    }
    double minutes = (System.nanoTime() - started) / 60e9;
    Set<String> main = new java.util.TreeSet<>(only);
    main.retainAll(Set.of("due", "ack", "grants"));
    if (!main.isEmpty()) {
      report.write(results, header(jvmOptions, minutes, main));
    }
    if (only.contains("gateway")) {
      gatewayReport.write(
          results, GatewayBench.header(machine(), jvmOptions, minutes, main.isEmpty()));
    }
    Bench.log("done in %.1f min; results in %s", minutes, results);
    System.exit(0);
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is not set (bench/run.sh sets it)");
    }
    return value;
  }

  private static String header(List<String> jvmOptions, double minutes, Set<String> only)
      throws IOException {
    return "Run on "
        + ZonedDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))
        + " with `bench/run.sh` ("
        + String.format(Locale.ROOT, "%.1f", minutes)
        + " min"
        + (only.size() < 3 ? ", only " + String.join(", ", only.stream().sorted().toList()) : "")
        + ").\n\n"
        + machine()
        + " JDK: "
        + System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.runtime.version")
        + " ("
        + System.getProperty("java.vendor")
        + "); Latchkey and "
        + "the floor processes run with `"
        + String.join(" ", jvmOptions)
        + "` (the defaults of `./latchkey run`), "
        + "the benchmark process with `"
        + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())
        + "`. Kubernetes: kube-apiserver v1.20.2 + etcd 3.4.23 from shared/kube on the same"
        + " machine. Everything on loopback, all on the same two cores (load generator, Slack stub,"
        + " API server, etcd and the server under test).";
  }

  /** "Machine: 2 cores (`nproc`), 23.5 GiB memory, <CPU>, <OS>." */
  static String machine() throws IOException {
    String cpu =
        Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("model name"))
            .findFirst()
            .map(l -> l.substring(l.indexOf(':') + 1).strip())
            .orElse("unknown CPU");
    String memory =
        Files.readAllLines(Path.of("/proc/meminfo")).stream()
            .filter(l -> l.startsWith("MemTotal:"))
            .findFirst()
            .map(
                l ->
                    String.format(
                        Locale.ROOT,
                        "%.1f GiB",
                        Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
            .orElse("?");
    String os = System.getProperty("os.name") + " " + System.getProperty("os.version");
    return "Machine: "
        + Runtime.getRuntime().availableProcessors()
        + " cores (`nproc`), "
        + memory
        + " memory, "
        + cpu
        + ", "
        + os
        + ".";
  }
}
