package dev.latchkey.bench;

import dev.latchkey.bot.Latchkey;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.Subject;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.IssueKubeconfig;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.k8s.GrantObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Benchmarks 2 and 3 on the real API server, with Latchkey started in this process by {@link
 * Latchkey#start} (its real Jetty, Bolt, H2 file, timers and Kubernetes adapter, as its own
 * least-privilege ServiceAccount) and a clock the benchmark holds still and then moves.
 *
 * <p>2: a signed Approve click on a pending request → the request ACTIVE (binding and
 * ServiceAccount created) → a token minted through the kubeconfig use case → that token lists pods
 * (200). One approval at a time. Floor: the same objects created directly with fabric8 as the same
 * identity, a token minted, the same list.
 *
 * <p>3: N ACTIVE grants, all approved at the same instant (so all expiring at the same instant);
 * the clock moved past that instant with the real timers running → until every binding and
 * ServiceAccount is gone (seen through watches) and every request is EXPIRED with nothing left to
 * remove. Floor: deleting the same objects by name, four grants at a time (as a Latchkey timer lane
 * works on one cluster), as the same identity.
 */
final class GrantBench {
  static final ClusterRef PROD = new ClusterRef(new CustomerId("acme"), "prod");
  private static final Actor.SlackUser REQUESTER =
      new Actor.SlackUser(SlackRequests.VENDOR_TEAM, SlackRequests.REQUESTER);
  static final Actor.SlackUser APPROVER =
      new Actor.SlackUser(SlackRequests.CUSTOMER_TEAM, SlackRequests.APPROVER);
  private static final Actor.SlackUser ADMIN =
      new Actor.SlackUser(SlackRequests.CUSTOMER_TEAM, SlackRequests.ADMIN);
  static final Duration WINDOW = Duration.ofHours(1);
  static final int WARMUP_APPROVALS = 50;

  /** The floor deletes with the concurrency Latchkey's timer lane uses for one cluster. */
  static final int FLOOR_PARALLELISM = 4;

  private final Bench bench;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  GrantBench(Bench bench) {
    this.bench = bench;
  }

  record Expiry(
      int grants,
      long creationMillis,
      double millis,
      double k8sMillis,
      List<String> progress,
      boolean finished,
      String cpu) {}

  void run() throws Exception {
    Path dir = bench.workDir().resolve("grants");
    Files.createDirectories(dir);
    MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    String yaml = bench.config("jdbc:h2:file:" + dir.resolve("data/latchkey").toAbsolutePath());
    Path configFile = dir.resolve("latchkey.yml");
    Files.writeString(configFile, yaml);
    LatchkeyConfig config = ConfigLoader.parse(yaml, configFile.toString());
    Settings settings =
        Settings.from(
            Map.of(
                "SLACK_BOT_TOKEN",
                SlackRequests.BOT_TOKEN,
                "SLACK_SIGNING_SECRET",
                SlackRequests.SECRET,
                "SLACK_API_URL",
                bench.slack().apiUrl(),
                "PORT",
                "0",
                "MANAGEMENT_PORT",
                "0",
                "LATCHKEY_CONFIG",
                configFile.toString()));

    Histogram toActive = new Histogram(OpenLoop.HIGHEST_MICROS, 3);
    Histogram toUsable = new Histogram(OpenLoop.HIGHEST_MICROS, 3);
    Histogram floorUsable = new Histogram(OpenLoop.HIGHEST_MICROS, 3);
    AtomicLong probeRetries = new AtomicLong();
    String loadBefore = Cpu.load();
    Expiry expiry;
    double floorDeleteMillis;
    String floorCpu;
    try (KubernetesClient asLatchkey = Kube.clientFor(bench.latchkeyKubeconfig());
        TokenProbe probe = new TokenProbe(bench.kube().server, bench.kube().caData)) {
      try (Latchkey latchkey = Latchkey.start(settings, config, clock)) {
        UseCases service = latchkey.core();
        if (!(service.enable().enable(PROD, ADMIN, Set.of("readonly"))
            instanceof EnableSupportAccess.Result.Enabled)) {
          throw new IllegalStateException("prod could not be enabled");
        }
        SlackRequests requests =
            new SlackRequests(
                URI.create("http://127.0.0.1:" + latchkey.port() + "/slack/events"),
                bench.slack().baseUrl());
        int clicks = bench.approvals() + WARMUP_APPROVALS;
        Bench.log(
            "approval: %d approvals (%d of them warm-up), one at a time, each followed by one floor"
                + " grant",
            clicks, WARMUP_APPROVALS);
        for (int i = 0; i < clicks; i++) {
          RequestId id = submit(service);
          long t0 = System.nanoTime();
          HttpResponse<String> ack =
              client.send(
                  requests.click(
                      SlackRequests.APPROVER,
                      SlackRequests.CUSTOMER_TEAM,
                      SlackRequests.APPROVE,
                      id.value()),
                  HttpResponse.BodyHandlers.ofString());
          if (ack.statusCode() != 200) {
            throw new IllegalStateException(
                "click answered " + ack.statusCode() + ": " + ack.body());
          }
          awaitState(service, id, RequestState.ACTIVE);
          long tActive = System.nanoTime();
          if (!(service.kubeconfig().issue(id, REQUESTER)
              instanceof IssueKubeconfig.Result.Issued issued)) {
            throw new IllegalStateException("no kubeconfig for " + id);
          }
          int tries =
              probe.awaitAccepted(
                  TokenProbe.tokenOf(issued.kubeconfig().text()), Duration.ofSeconds(20));
          long tUsable = System.nanoTime();
          long floorMicros =
              GrantFloor.grant(
                  asLatchkey, probe, GrantFloor.grant(1_000_000 + i, clock.instant().plus(WINDOW)));
          if (i >= WARMUP_APPROVALS) {
            toActive.recordValue(Math.max(1, (tActive - t0) / 1000));
            toUsable.recordValue(Math.max(1, (tUsable - t0) / 1000));
            floorUsable.recordValue(floorMicros);
            probeRetries.addAndGet(tries - 1);
          }
          if ((i + 1) % 250 == 0) {
            Bench.log(
                "approval: %d done, p50 so far %.1f ms (floor %.1f ms)",
                i + 1,
                toUsable.getValueAtPercentile(50) / 1000.0,
                floorUsable.getValueAtPercentile(50) / 1000.0);
          }
        }
        bench.kube().removeGrantObjects(List.of(Kube.FLOOR_MANAGED_BY));
        expiry = expire(latchkey, clock, clicks);
      }
      GrantFloor.Deletes floorDeletes =
          GrantFloor.deletes(
              bench, asLatchkey, expiry.grants(), clock.instant().plus(WINDOW), FLOOR_PARALLELISM);
      floorDeleteMillis = floorDeletes.millis();
      floorCpu = floorDeletes.cpu();
      bench.kube().removeGrantObjects();
    }
    loadBefore = loadBefore + "; after: " + Cpu.load();
    GrantReport.write(
        bench.report(),
        toActive,
        toUsable,
        probeRetries.get(),
        floorUsable,
        expiry,
        floorDeleteMillis,
        floorCpu,
        loadBefore);
  }

  // ---------------------------------------------------------------- 3: mass expiry through
  // Latchkey

  private Expiry expire(Latchkey latchkey, MutableClock clock, int alreadyActive) throws Exception {
    UseCases service = latchkey.core();
    int n = bench.expiryGrants();
    int extra = Math.max(0, n - alreadyActive);
    Bench.log(
        "expiry: approving %d more requests (to %d ACTIVE grants, all expiring at %s)",
        extra, alreadyActive + extra, clock.instant().plus(WINDOW));
    long created = System.nanoTime();
    GrantFloor.parallel(
        2,
        extra,
        i -> {
          RequestId id = submit(service);
          var outcome =
              service.decide().decide(Decision.click(id, APPROVER, Decision.Verdict.APPROVE));
          if (!(outcome instanceof DecideRequest.Result.Approved approved)
              || approved.request().state() != RequestState.ACTIVE) {
            throw new IllegalStateException("approval of " + id + " ended as " + outcome);
          }
        });
    long creationMillis = (System.nanoTime() - created) / 1_000_000;
    int total = alreadyActive + extra;
    if (latchkey.database().requests().findHoldingAccess(PROD).size() != total) {
      throw new IllegalStateException("expected " + total + " ACTIVE requests");
    }
    bench.slack().awaitQuiet(2000, 180_000);

    Set<String> bindings = ConcurrentHashMap.newKeySet();
    Set<String> accounts = ConcurrentHashMap.newKeySet();
    AtomicInteger deleted = new AtomicInteger();
    AtomicLong lastDeleteNanos = new AtomicLong();
    KubernetesClient admin = bench.kube().admin;
    try (Watch w1 =
            admin
                .rbac()
                .clusterRoleBindings()
                .withLabel(GrantObjects.MANAGED_BY, GrantObjects.MANAGED_BY_VALUE)
                .watch(new DeletionTracker<>(bindings, deleted, lastDeleteNanos));
        Watch w2 =
            admin
                .serviceAccounts()
                .inNamespace(Subject.GRANTS_NAMESPACE)
                .withLabel(GrantObjects.MANAGED_BY, GrantObjects.MANAGED_BY_VALUE)
                .watch(new DeletionTracker<>(accounts, deleted, lastDeleteNanos))) {
      long seen = System.nanoTime() + 60_000_000_000L;
      while ((bindings.size() < total || accounts.size() < total) && System.nanoTime() < seen) {
        Thread.sleep(20);
      }
      if (bindings.size() != total || accounts.size() != total) {
        throw new IllegalStateException(
            "the cluster holds "
                + bindings.size()
                + " bindings and "
                + accounts.size()
                + " ServiceAccounts, expected "
                + total
                + " each");
      }
      int objects = 2 * total;
      Instant end = clock.instant().plus(WINDOW);
      Bench.log(
          "expiry: %d grants (%d objects) in place; moving the clock past %s", total, objects, end);
      Map<String, Long> calls0 = bench.slack().calls();
      double[] cpu0 = Cpu.seconds(bench.kube().apiserverPid, bench.kube().etcdPid);
      long t0 = System.nanoTime();
      clock.set(end.plusSeconds(1));
      List<String> progress = new ArrayList<>();
      int[] marks = {
        objects / 10, objects / 4, objects / 2, objects * 3 / 4, objects * 9 / 10, objects
      };
      int next = 0;
      long deadline = t0 + bench.expiryTimeout().toNanos();
      while (deleted.get() < objects && System.nanoTime() < deadline) {
        while (next < marks.length && deleted.get() >= marks[next]) {
          progress.add(
              String.format(
                  Locale.ROOT,
                  "%d%% of the objects gone after %.1f s",
                  marks[next] * 100 / objects,
                  (System.nanoTime() - t0) / 1e9));
          next++;
        }
        Thread.sleep(20);
      }
      boolean k8sDone = deleted.get() >= objects;
      while (next < marks.length && deleted.get() >= marks[next]) {
        progress.add(
            String.format(
                Locale.ROOT,
                "%d%% of the objects gone after %.1f s",
                marks[next] * 100 / objects,
                (lastDeleteNanos.get() - t0) / 1e9));
        next++;
      }
      double k8sMillis = ((k8sDone ? lastDeleteNanos.get() : System.nanoTime()) - t0) / 1e6;
      if (!k8sDone) {
        Bench.log(
            "expiry: stopped waiting after %s with %d of %d objects gone",
            bench.expiryTimeout(), deleted.get(), objects);
        return new Expiry(
            total,
            creationMillis,
            k8sMillis,
            k8sMillis,
            progress,
            false,
            Cpu.spent(
                cpu0,
                Cpu.seconds(bench.kube().apiserverPid, bench.kube().etcdPid),
                "Latchkey and Slack stub"));
      }
      var store = latchkey.database().requests();
      while ((!store.findHoldingAccess(PROD).isEmpty() || !store.findRevocationsPending().isEmpty())
          && System.nanoTime() < deadline + 60_000_000_000L) {
        Thread.sleep(20);
      }
      double millis = (System.nanoTime() - t0) / 1e6;
      String cpu =
          Cpu.spent(
              cpu0,
              Cpu.seconds(bench.kube().apiserverPid, bench.kube().etcdPid),
              "Latchkey and Slack stub");
      long quiet = bench.slack().awaitQuiet(2000, 300_000);
      Map<String, Long> calls = new java.util.TreeMap<>();
      bench
          .slack()
          .calls()
          .forEach(
              (k, v) -> {
                long delta = v - calls0.getOrDefault(k, 0L);
                if (delta > 0) {
                  calls.put(k, delta);
                }
              });
      Bench.log(
          "expiry: all %d objects gone after %.1f s, every request EXPIRED after %.1f s; CPU %s;"
              + " Slack quiet %.1f s later",
          objects, k8sMillis / 1000, millis / 1000, cpu, quiet / 1000.0);
      return new Expiry(
          total,
          creationMillis,
          Math.max(millis, k8sMillis),
          k8sMillis,
          progress,
          true,
          cpu
              + "; the Slack messages about the expiries went on for "
              + String.format(Locale.ROOT, "%.1f s", quiet / 1000.0)
              + " more: "
              + calls
              + " Slack Web API calls for "
              + total
              + " grants");
    }
  }

  // ---------------------------------------------------------------- helpers

  private static RequestId submit(UseCases service) {
    var outcome =
        service
            .submit()
            .submit(
                new Submission(
                    new CustomerId("acme"),
                    "prod",
                    "readonly",
                    Optional.of(WINDOW),
                    List.of(),
                    new Requester(REQUESTER, Optional.of("alice@vendor.example")),
                    "checking the api pods"));
    if (!(outcome instanceof SubmitRequest.Result.Submitted submitted)) {
      throw new IllegalStateException("submission refused: " + outcome);
    }
    return submitted.request().id();
  }

  private static void awaitState(UseCases service, RequestId id, RequestState state)
      throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      AccessRequest r = service.queries().find(id).orElseThrow();
      if (r.state() == state) {
        return;
      }
      if (r.state().isFinal()) {
        throw new IllegalStateException(
            id + " ended as " + r.state() + ": " + r.failure().orElse(""));
      }
      java.util.concurrent.locks.LockSupport.parkNanos(200_000);
    }
    throw new IllegalStateException(id + " not " + state + " within 30 s");
  }
}
