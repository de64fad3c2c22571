package dev.latchkey.bot.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.testing.MutableClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Two whole Latchkeys on one PostgreSQL database, as two replicas behind one Service: both serve,
 * one runs the timers; when it stops, the other takes over and access still ends, once. Opt-in like
 * the storage module's PostgreSQL tests ({@code LATCHKEY_TEST_POSTGRES_URL}).
 */
@EnableKubernetesMockClient(crud = true)
@EnabledIfEnvironmentVariable(named = "LATCHKEY_TEST_POSTGRES_URL", matches = ".+")
class TwoReplicasIT {
  static KubernetesMockServer server;
  static KubernetesClient client;

  private final String server0 = System.getenv("LATCHKEY_TEST_POSTGRES_URL");
  private final String user =
      Optional.ofNullable(System.getenv("LATCHKEY_TEST_POSTGRES_USER")).orElse("postgres");
  private final String password =
      Optional.ofNullable(System.getenv("LATCHKEY_TEST_POSTGRES_PASSWORD")).orElse("");
  private final String name =
      "latchkey_replicas_"
          + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  private final MutableClock clock = MutableClock.at("2026-03-02T09:00:00Z");
  private FakeSlack slack;
  private InProcessLatchkey first;
  private InProcessLatchkey second;

  @BeforeEach
  void start() throws Exception {
    execute("CREATE DATABASE " + name);
    slack = new FakeSlack();
    first = replica();
    second = replica();
  }

  @AfterEach
  void stop() throws Exception {
    for (InProcessLatchkey replica : new InProcessLatchkey[] {second, first}) {
      if (replica != null) {
        replica.close();
      }
    }
    if (slack != null) {
      slack.close();
    }
    execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  @Test
  void oneReplicaRunsTheTimersAndAnotherTakesOverWhenItStops() {
    await().atMost(Duration.ofSeconds(15)).until(() -> leads(first) || leads(second));
    InProcessLatchkey leader = leads(first) ? first : second;
    InProcessLatchkey other = leader == first ? second : first;
    assertThat(leads(other)).as("one leader at a time").isFalse();
    assertThat(gauge(leader)).isEqualTo(1);
    assertThat(gauge(other)).isEqualTo(0);

    // Both serve: grants made through the replica that does not lead and through the leader.
    assertThat(other.latchkey.core().enable().enable(Grants.PROD, Grants.ADMIN, Set.of("operator")))
        .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
    RequestId soon = activeFor(other.latchkey.core(), Duration.ofMinutes(30));
    RequestId early = activeFor(other.latchkey.core(), Duration.ofHours(1));
    RequestId late = activeFor(leader.latchkey.core(), Duration.ofHours(1));
    assertThat(bindings()).isEqualTo(3);

    // While both run, only the leader's timers act: it alone removes what ended.
    clock.advance(Duration.ofMinutes(45));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                state(other, soon) == RequestState.EXPIRED
                    && bindings() == 2
                    && removals(leader) == 1); // counted once the removal call has returned
    assertThat(removals(other)).isZero();

    leader.close(); // the leader stops: its session ends, freeing the lock
    if (leader == first) {
      first = null;
    } else {
      second = null;
    }
    await().atMost(Duration.ofSeconds(15)).until(() -> leads(other));

    clock.advance(Duration.ofHours(2));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                state(other, early) == RequestState.EXPIRED
                    && state(other, late) == RequestState.EXPIRED
                    && bindings() == 0
                    && removals(other) == 2);
    assertThat(other.count("SELECT COUNT(*) FROM audit_events WHERE action = 'request.expired'"))
        .as("each grant ended once")
        .isEqualTo(3);
  }

  private static RequestState state(InProcessLatchkey replica, RequestId id) {
    return replica.latchkey.database().requests().find(id).orElseThrow().state();
  }

  /** How many removals this replica's cluster adapter made (its own metrics). */
  private static long removals(InProcessLatchkey replica) {
    return replica.latchkey.metrics().get("latchkey.revoke").timer().count();
  }

  private InProcessLatchkey replica() throws Exception {
    String url = databaseUrl();
    return InProcessLatchkey.start(
        url,
        url,
        Map.of(
            "LATCHKEY_DB_USER", user,
            "LATCHKEY_DB_PASSWORD", password,
            "LATCHKEY_LEADER_LEASE_SECONDS", "2"),
        slack,
        client,
        clock,
        List.of(Grants.APPROVER_ID));
  }

  private static boolean leads(InProcessLatchkey replica) {
    return replica.latchkey.database().leadership().leads();
  }

  private static double gauge(InProcessLatchkey replica) {
    return replica.latchkey.metrics().get("latchkey.leader").gauge().value();
  }

  private static RequestId activeFor(UseCases core, Duration window) {
    return Grants.activeOperator(core, List.of(), window, "INC-18 replicas drill");
  }

  private int bindings() {
    return client
        .rbac()
        .clusterRoleBindings()
        .withLabel("app.kubernetes.io/managed-by", "latchkey")
        .list()
        .getItems()
        .size();
  }

  private String databaseUrl() {
    int slash = server0.indexOf('/', "jdbc:postgresql://".length());
    int query = server0.indexOf('?');
    String params = query < 0 ? "" : server0.substring(query);
    return (slash < 0 ? server0 : server0.substring(0, slash)) + "/" + name + params;
  }

  private void execute(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(server0, user, password);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
