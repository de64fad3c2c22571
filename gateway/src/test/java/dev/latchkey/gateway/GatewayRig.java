package dev.latchkey.gateway;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customer;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.RevokeAccess;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.session.AdmitConnection;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.LogActivity;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.InMemorySessionStore;
import dev.latchkey.core.testing.TestRig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The gateway on in-memory records: one customer {@code it} with two gateway-mode clusters ({@code
 * main} and {@code other} unless named otherwise), Latchkey's core on fakes to make and end grants,
 * a tap factory that keeps what it sees, and the records' clock set to now.
 */
final class GatewayRig implements AutoCloseable {
  static final CustomerId CUSTOMER = new CustomerId("it");

  final ClusterRef main;
  final ClusterRef other;
  final TestRig rig;
  final InMemorySessionStore sessions;
  final CollectingTaps taps = new CollectingTaps();
  volatile boolean failOpens;
  SessionGateway gateway;

  GatewayRig() {
    this(new ClusterRef(CUSTOMER, "main"), new ClusterRef(CUSTOMER, "other"));
  }

  GatewayRig(ClusterRef main, ClusterRef other) {
    this.main = main;
    this.other = other;
    this.rig = new TestRig(customers(main, other));
    this.rig.clock.set(Instant.now());
    this.sessions = new InMemorySessionStore(rig.audit);
    rig.core.enable().enable(main, Fixtures.ADMIN, Set.of("readonly", "operator"));
    rig.core.enable().enable(other, Fixtures.ADMIN, Set.of("readonly", "operator"));
  }

  private static Customers customers(ClusterRef main, ClusterRef other) {
    Map<String, ClusterPolicy> clusters = new LinkedHashMap<>();
    clusters.put(main.name(), policy(main));
    clusters.put(other.name(), policy(other));
    return Customers.of(
        List.of(
            new Customer(
                main.customer(),
                Fixtures.CUSTOMER_TEAM,
                Fixtures.CHANNEL,
                Set.of("U0APPROVER1", "U0APPROVER2"),
                Optional.empty(),
                Set.of("U0ADMIN"),
                clusters)));
  }

  private static ClusterPolicy policy(ClusterRef cluster) {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>();
    roles.put("readonly", RoleDefinition.builtIn("readonly"));
    roles.put("operator", RoleDefinition.builtIn("operator"));
    return new ClusterPolicy(
        cluster,
        roles,
        List.of(),
        ClusterPolicy.DEFAULT_PENDING_TTL,
        CredentialMode.GATEWAY,
        ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE);
  }

  /** A grant approved in the records (the cluster side is the caller's), for one hour. */
  AccessRequest active(ClusterRef cluster, String role, List<String> namespaces) {
    var submitted =
        rig.core
            .submit()
            .submit(rig.submission(cluster, role, Optional.of(Duration.ofHours(1)), namespaces));
    AccessRequest pending = ((SubmitRequest.Result.Submitted) submitted).request();
    var approved =
        rig.core
            .decide()
            .decide(Decision.click(pending.id(), Fixtures.APPROVER, Decision.Verdict.APPROVE));
    return ((DecideRequest.Result.Approved) approved).request();
  }

  void revoke(AccessRequest grant) {
    var outcome = rig.core.revoke().revoke(grant.id(), Fixtures.ENGINEER);
    if (!(outcome instanceof RevokeAccess.Result.Revoked)) {
      throw new IllegalStateException("not revoked: " + outcome);
    }
  }

  GatewayServices services() {
    SessionStore store = sessions;
    SessionStore failing =
        new SessionStore() {
          @Override
          public void log(List<dev.latchkey.core.session.ActivityLine> lines) {
            store.log(lines);
          }

          @Override
          public void open(
              dev.latchkey.core.session.StreamSession session, dev.latchkey.core.AuditEvent e) {
            if (failOpens) {
              throw new IllegalStateException("the session store refused the write (test)");
            }
            store.open(session, e);
          }

          @Override
          public void appendRecording(
              dev.latchkey.core.session.SessionId id, long sequence, byte[] part) {
            store.appendRecording(id, sequence, part);
          }

          @Override
          public void close(
              dev.latchkey.core.session.SessionId id,
              dev.latchkey.core.session.SessionEnd end,
              dev.latchkey.core.AuditEvent e) {
            store.close(id, end, e);
          }

          @Override
          public List<dev.latchkey.core.session.ActivityLine> activity(
              dev.latchkey.core.RequestId id, int limit) {
            return store.activity(id, limit);
          }

          @Override
          public List<SessionRecord> sessions(dev.latchkey.core.RequestId id) {
            return store.sessions(id);
          }

          @Override
          public Optional<byte[]> recording(dev.latchkey.core.session.SessionId id) {
            return store.recording(id);
          }

          @Override
          public Optional<SessionRecord> session(dev.latchkey.core.session.SessionId id) {
            return store.session(id);
          }

          @Override
          public List<LogCount> logCounts(dev.latchkey.core.RequestId id) {
            return store.logCounts(id);
          }
        };
    return new GatewayServices(
        new AdmitConnection(rig.requests, rig.core.settings().customers(), rig.clock),
        rig.requests,
        new OpenSession(failing, rig.notifier),
        new CloseSession(failing, rig.notifier),
        new LogActivity(failing),
        taps,
        rig.clock,
        System::nanoTime);
  }

  /** Settings for tests: a free port, short timeouts, the data directory given. */
  static GatewaySettings.Builder settings(Path dataDir) {
    return settings(dataDir, 0);
  }

  /** The same on a given port, which the public URL (and so kubeconfigs) names. */
  static GatewaySettings.Builder settings(Path dataDir, int port) {
    String url = port == 0 ? "https://127.0.0.1" : "https://127.0.0.1:" + port;
    return GatewaySettings.builder(URI.create(url), dataDir)
        .bindAddress("127.0.0.1")
        .port(port)
        .audience("latchkey-gateway-test")
        .headerTimeout(Duration.ofMillis(500))
        .cutInterval(Duration.ofMillis(100))
        .ioThreads(2)
        .workerThreads(4);
  }

  SessionGateway start(GatewaySettings settings, List<GatewayCluster> clusters) {
    gateway = SessionGateway.start(settings, clusters, services());
    return gateway;
  }

  String url(ClusterRef cluster) {
    return "/clusters/" + cluster.customer().value() + "/" + cluster.name();
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
  }
}
