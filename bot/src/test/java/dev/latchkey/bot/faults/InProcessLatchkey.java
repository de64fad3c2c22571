package dev.latchkey.bot.faults;

import dev.latchkey.bot.Latchkey;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.k8s.ClusterConnections;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * A whole Latchkey as Main wires it (Jetty, Bolt, H2 file, timers), in this JVM, with {@link
 * FakeSlack} as Slack and a fabric8 mock API server as cluster {@code prod} of customer {@code
 * acme}. Also reads the database's tables directly (same JVM, same H2 engine), to prove what was
 * and was not stored.
 */
final class InProcessLatchkey implements AutoCloseable {
  final Latchkey latchkey;
  private final String jdbcUrl;
  private final String user;
  private final String password;

  private InProcessLatchkey(Latchkey latchkey, String jdbcUrl, Map<String, String> env) {
    this.latchkey = latchkey;
    this.jdbcUrl = jdbcUrl;
    this.user = env.getOrDefault("LATCHKEY_DB_USER", "");
    this.password = env.getOrDefault("LATCHKEY_DB_PASSWORD", "");
  }

  /**
   * Starts Latchkey with {@code approvers} listed as the customer's approvers and U0ADMIN as its
   * admin.
   */
  static InProcessLatchkey start(
      Path dir, FakeSlack slack, KubernetesClient cluster, Clock clock, List<String> approvers)
      throws Exception {
    String file = dir.resolve("latchkey").toAbsolutePath().toString();
    return start(
        "jdbc:h2:file:" + file,
        "jdbc:h2:file:" + file + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000",
        Map.of(),
        slack,
        cluster,
        clock,
        approvers);
  }

  /**
   * The same on the database at {@code databaseUrl} (read directly through {@code readUrl}), with
   * {@code env} added to the environment (database credentials, say): a replica, when several share
   * one PostgreSQL database.
   */
  static InProcessLatchkey start(
      String databaseUrl,
      String readUrl,
      Map<String, String> env,
      FakeSlack slack,
      KubernetesClient cluster,
      Clock clock,
      List<String> approvers)
      throws Exception {
    for (String role : List.of("latchkey-readonly", "latchkey-operator")) {
      if (cluster.rbac().clusterRoles().withName(role).get() == null) {
        cluster
            .rbac()
            .clusterRoles()
            .resource(
                new ClusterRoleBuilder()
                    .withNewMetadata()
                    .withName(role)
                    .endMetadata()
                    .addNewRule()
                    .withApiGroups("")
                    .withResources("pods")
                    .withVerbs("get", "list")
                    .endRule()
                    .build())
            .create();
      }
    }
    String yaml =
        """
        database:
          url: %s
        customers:
          - id: acme
            slack:
              teamId: %s
              channel: %s
              approvers: { users: [%s] }
              admins: [%s]
            clusters:
              - name: prod
                kubeconfig: /not/read/by/these/tests
                supportServer: https://support.vendor.example:6443
        """
            .formatted(
                databaseUrl,
                FakeSlack.CUSTOMER_TEAM,
                FakeSlack.CHANNEL,
                String.join(", ", approvers),
                FakeSlack.ADMIN);
    LatchkeyConfig config = ConfigLoader.parse(yaml, "latchkey.yml");
    Map<String, String> environment =
        new HashMap<>(
            Map.of(
                "SLACK_BOT_TOKEN",
                FakeSlack.BOT_TOKEN,
                "SLACK_SIGNING_SECRET",
                FakeSlack.SIGNING_SECRET,
                "SLACK_API_URL",
                slack.apiUrl(),
                "PORT",
                "0",
                "MANAGEMENT_PORT",
                "0"));
    environment.putAll(env);
    Settings settings = Settings.from(environment);
    Latchkey latchkey =
        Latchkey.start(
            settings,
            config,
            clock,
            c -> ClusterConnections.of(cluster.getConfiguration(), c.supportServer()));
    return new InProcessLatchkey(latchkey, readUrl, env);
  }

  /**
   * A fabric8 mock API server that stores what it is sent (CRUD mode), started; close its clients,
   * then destroy it.
   */
  static KubernetesMockServer mockCluster() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init();
    return server;
  }

  URI uri(String path) {
    return URI.create("http://localhost:" + latchkey.port() + path);
  }

  /** A path on the management port (health, readiness, metrics). */
  URI management(String path) {
    return URI.create("http://localhost:" + latchkey.managementPort() + path);
  }

  URI events() {
    return uri("/slack/events");
  }

  // ---------------------------------------------------------------- the tables themselves

  long count(String sql, Object... args) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  long requestRows() {
    return count("SELECT COUNT(*) FROM requests");
  }

  long lastAuditSeq() {
    return count("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
  }

  /** The actions of the audit events after sequence number {@code seq}, in order. */
  List<String> auditActionsAfter(long seq) {
    return strings("SELECT action FROM audit_events WHERE seq > ? ORDER BY seq", seq);
  }

  List<String> strings(String sql, Object... args) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      List<String> out = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(r.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    latchkey.close();
  }
}
