package dev.latchkey.bench;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.k8s.GrantObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/** The floors of benchmarks 2 and 3: a grant's objects made and deleted straight with fabric8. */
final class GrantFloor {
  private GrantFloor() {}

  /** How long the floor's deletes took, and the API server's and etcd's CPU meanwhile. */
  record Deletes(double millis, String cpu) {}

  /**
   * Creates N grants' objects directly (not timed), then deletes them by name (timed): plain
   * deletes as Latchkey's own identity, so the API server authorises them exactly as it does
   * Latchkey's.
   */
  static Deletes deletes(
      Bench bench, KubernetesClient asLatchkey, int n, Instant expiresAt, int parallelism)
      throws Exception {
    Bench.log("expiry floor: creating %d grants' objects directly", n);
    List<ClusterAccess.Grant> grants = Collections.synchronizedList(new ArrayList<>());
    parallel(
        4,
        n,
        i -> {
          ClusterAccess.Grant grant = grant(2_000_000 + i, expiresAt);
          for (HasMetadata object : objects(grant)) {
            asLatchkey.resource(object).create();
          }
          grants.add(grant);
        });
    Bench.log(
        "expiry floor: deleting %d bindings and %d ServiceAccounts by name, %d grants at a time (as"
            + " a Latchkey lane does)",
        n, n, parallelism);
    double[] cpu0 = Cpu.seconds(bench.kube().apiserverPid, bench.kube().etcdPid);
    long t0 = System.nanoTime();
    List<ClusterAccess.Grant> each = List.copyOf(grants);
    parallel(
        parallelism,
        each.size(),
        i -> {
          ClusterAccess.Grant grant = each.get(i);
          asLatchkey
              .rbac()
              .clusterRoleBindings()
              .withName(GrantObjects.bindingName(grant.id()))
              .delete();
          asLatchkey
              .serviceAccounts()
              .inNamespace(Subject.GRANTS_NAMESPACE)
              .withName(grant.id().value())
              .delete();
        });
    double millis = (System.nanoTime() - t0) / 1e6;
    String cpu =
        Cpu.spent(
            cpu0, Cpu.seconds(bench.kube().apiserverPid, bench.kube().etcdPid), "fabric8 client");
    Bench.log("expiry floor: %.1f s; CPU %s", millis / 1000, cpu);
    return new Deletes(millis, cpu);
  }

  /**
   * The floor of benchmark 2: the grant's objects created directly, a token minted, the token
   * accepted.
   */
  static long grant(KubernetesClient asLatchkey, TokenProbe probe, ClusterAccess.Grant grant)
      throws Exception {
    long t0 = System.nanoTime();
    for (HasMetadata object : objects(grant)) {
      asLatchkey.resource(object).create();
    }
    String token =
        asLatchkey
            .serviceAccounts()
            .inNamespace(Subject.GRANTS_NAMESPACE)
            .withName(grant.id().value())
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3595L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    probe.awaitAccepted(token, Duration.ofSeconds(20));
    return Math.max(1, (System.nanoTime() - t0) / 1000);
  }

  static ClusterAccess.Grant grant(int n, Instant expiresAt) {
    RequestId id = new RequestId(String.format(Locale.ROOT, "ar-%08d", n));
    return new ClusterAccess.Grant(
        id,
        GrantBench.PROD,
        "latchkey-readonly",
        Scope.CLUSTER,
        new Subject.ServiceAccount(Subject.GRANTS_NAMESPACE, id.value()),
        expiresAt,
        List.of(GrantBench.APPROVER.audit()),
        "checking the api pods");
  }

  /** Exactly the objects Latchkey creates for a grant, marked as the floor's. */
  private static List<HasMetadata> objects(ClusterAccess.Grant grant) {
    List<HasMetadata> objects = new ArrayList<>();
    Optional<ServiceAccount> sa = GrantObjects.serviceAccount(grant);
    sa.ifPresent(objects::add);
    objects.addAll(GrantObjects.bindings(grant));
    for (HasMetadata object : objects) {
      object.getMetadata().getLabels().put(GrantObjects.MANAGED_BY, Kube.FLOOR_MANAGED_BY);
    }
    return objects;
  }

  static void parallel(int threads, int count, IntConsumer task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      AtomicInteger nextIndex = new AtomicInteger();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  int i;
                  while ((i = nextIndex.getAndIncrement()) < count) {
                    task.accept(i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
