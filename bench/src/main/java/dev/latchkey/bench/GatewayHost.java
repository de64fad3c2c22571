package dev.latchkey.bench;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customer;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.port.ApproverDirectory;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.session.AdmitConnection;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.LogActivity;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.gateway.GatewayCluster;
import dev.latchkey.gateway.GatewayServices;
import dev.latchkey.gateway.GatewaySettings;
import dev.latchkey.gateway.SessionGateway;
import dev.latchkey.gateway.TapFactory;
import dev.latchkey.gateway.record.StreamTaps;
import dev.latchkey.k8s.ClusterConnection;
import dev.latchkey.k8s.FabricClusterAccess;
import dev.latchkey.k8s.GatewayTokens;
import dev.latchkey.storage.Database;
import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The session gateway run as a library, as its own test fixtures stand it up: Latchkey's core over
 * the real storage (H2 file, so session-log lines, sessions and recordings are real writes), grants
 * made on the real API server by the real adapter as Latchkey's least-privilege identity, and the
 * gateway in front of that API server with the recorder the design describes (asciicast v2 into the
 * database). Runs in the benchmark process, or on its own as a child process ({@link #main}), so
 * that its memory is its own.
 */
final class GatewayHost implements AutoCloseable {
  static final ClusterRef CLUSTER = new ClusterRef(new CustomerId("acme"), "prod");
  static final String AUDIENCE = "latchkey-gateway-bench";
  static final Duration WINDOW = Duration.ofHours(1);

  private static final Actor.SlackUser REQUESTER =
      new Actor.SlackUser(SlackRequests.VENDOR_TEAM, SlackRequests.REQUESTER);
  private static final Actor.SlackUser APPROVER =
      new Actor.SlackUser(SlackRequests.CUSTOMER_TEAM, SlackRequests.APPROVER);
  private static final Actor.SlackUser ADMIN =
      new Actor.SlackUser(SlackRequests.CUSTOMER_TEAM, SlackRequests.ADMIN);

  /** Nobody to tell: the gateway benchmarks measure no Slack traffic. */
  static final Notifier SILENT =
      new Notifier() {
        @Override
        public void requestChanged(AccessRequest request, AuditEvent cause) {}

        @Override
        public void expiringSoon(AccessRequest request) {}

        @Override
        public void revocationOverdue(AccessRequest request) {}
      };

  final MutableClock clock;
  final Database database;
  final TimedSessions sessions;
  final UseCases core;
  final SessionGateway gateway;
  final HttpClient probe;
  private final ClusterConnection connection;
  private final FabricClusterAccess access;
  private final GatewayTokens tokens;

  /** A grant as an engineer holds it: its id, end, and gateway token. */
  record Grant(RequestId id, Instant expiresAt, String token) {
    @Override
    public String toString() {
      return "Grant[" + id + ", token redacted]";
    }
  }

  private GatewayHost(Path dir, Path latchkeyKubeconfig, long recordingCapBytes) throws Exception {
    Files.createDirectories(dir);
    this.clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    this.database =
        Database.builder("jdbc:h2:file:" + dir.resolve("data/latchkey").toAbsolutePath())
            .sinks(List.of())
            .open();
    this.sessions = new TimedSessions(database.sessions());
    Config config = Config.fromKubeconfig(Files.readString(latchkeyKubeconfig));
    this.connection =
        new ClusterConnection(
            Kube.clientFor(latchkeyKubeconfig),
            config.getMasterUrl(),
            Optional.ofNullable(config.getCaCertData()));
    this.access =
        new FabricClusterAccess(
            Map.of(
                CLUSTER,
                new ClusterConnection(
                    Kube.clientFor(latchkeyKubeconfig),
                    config.getMasterUrl(),
                    Optional.ofNullable(config.getCaCertData()))),
            clock);
    this.tokens = new GatewayTokens(connection, clock);
    Customers customers = customers();
    this.core =
        UseCases.wire(
            new UseCases.Ports(
                customers,
                database.requests(),
                database.enablements(),
                database.audit(),
                access,
                SILENT,
                (group, user) -> ApproverDirectory.Membership.NOT_MEMBER),
            clock,
            new SecureRandom(),
            RetryPolicy.DEFAULT);
    if (!(core.enable().enable(CLUSTER, ADMIN, Set.of("readonly", "operator"))
        instanceof EnableSupportAccess.Result.Enabled)) {
      throw new IllegalStateException(CLUSTER + " could not be enabled");
    }
    int port = freePort();
    GatewaySettings settings =
        GatewaySettings.builder(URI.create("https://127.0.0.1:" + port), dir.resolve("gateway"))
            .bindAddress("127.0.0.1")
            .port(port)
            .audience(AUDIENCE)
            .recordingCapBytes(recordingCapBytes)
            .build();
    TapFactory taps =
        (session, transport, subprotocol) ->
            StreamTaps.open(
                session,
                transport,
                subprotocol,
                (first, parts) -> sessions.appendRecording(session.id(), first, parts),
                System::nanoTime,
                clock,
                recordingCapBytes);
    GatewayServices services =
        new GatewayServices(
            new AdmitConnection(database.requests(), customers, clock),
            database.requests(),
            new OpenSession(sessions, SILENT),
            new CloseSession(sessions, SILENT),
            new LogActivity(sessions),
            taps,
            clock,
            System::nanoTime);
    this.gateway =
        SessionGateway.start(
            settings, List.of(GatewayCluster.of(CLUSTER, connection, clock)), services);
    this.probe =
        HttpClient.newBuilder()
            .sslContext(TokenProbe.trusting(caData()))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** Opens the database in {@code dir}, enables the cluster and starts the gateway. */
  static GatewayHost start(Path dir, Path latchkeyKubeconfig, long recordingCapBytes)
      throws Exception {
    return new GatewayHost(dir, latchkeyKubeconfig, recordingCapBytes);
  }

  private static Customers customers() {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>();
    roles.put("readonly", RoleDefinition.builtIn("readonly"));
    roles.put("operator", RoleDefinition.builtIn("operator"));
    ClusterPolicy policy =
        new ClusterPolicy(
            CLUSTER,
            roles,
            List.of(),
            ClusterPolicy.DEFAULT_PENDING_TTL,
            CredentialMode.GATEWAY,
            ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE);
    return Customers.of(
        List.of(
            new Customer(
                CLUSTER.customer(),
                SlackRequests.CUSTOMER_TEAM,
                SlackRequests.CHANNEL,
                Set.of(SlackRequests.APPROVER),
                Optional.empty(),
                Set.of(SlackRequests.ADMIN),
                Map.of(CLUSTER.name(), policy))));
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The gateway's CA, as a kubeconfig embeds it (base64 PEM). */
  String caData() {
    return gateway.caCertData().orElseThrow();
  }

  /** The gateway's URL for the cluster: what a gateway kubeconfig names as its server. */
  String server() {
    return gateway.serverUrl(CLUSTER);
  }

  /**
   * A grant of {@code role} in {@code namespace} for an hour from the (held) clock: submitted and
   * approved through the core, so ACTIVE in the records and bound on the cluster by the adapter,
   * with a gateway-audience token as {@code /access kubeconfig} hands it out; returned once the
   * gateway lets it list pods.
   */
  Grant grant(String role, String namespace) throws Exception {
    var submitted =
        core.submit()
            .submit(
                new Submission(
                    CLUSTER.customer(),
                    CLUSTER.name(),
                    role,
                    Optional.of(WINDOW),
                    List.of(namespace),
                    new Requester(REQUESTER, Optional.of("alice@vendor.example")),
                    "gateway benchmark"));
    if (!(submitted instanceof SubmitRequest.Result.Submitted s)) {
      throw new IllegalStateException("submission refused: " + submitted);
    }
    var decided =
        core.decide().decide(Decision.click(s.request().id(), APPROVER, Decision.Verdict.APPROVE));
    if (!(decided instanceof DecideRequest.Result.Approved approved)
        || approved.request().state() != RequestState.ACTIVE) {
      throw new IllegalStateException("approval ended as " + decided);
    }
    AccessRequest request = approved.request();
    Instant end = request.expiresAt().orElseThrow();
    var minted = tokens.mint(request.id(), AUDIENCE, end);
    if (!(minted instanceof GatewayTokens.Mint.Minted token)) {
      throw new IllegalStateException("no gateway token for " + request.id() + ": " + minted);
    }
    Grant grant = new Grant(request.id(), end, token.token());
    awaitAllowed(grant, namespace);
    return grant;
  }

  /** Lists pods through the gateway until RBAC lets the new binding through. */
  private void awaitAllowed(Grant grant, String namespace) throws Exception {
    HttpRequest list =
        HttpRequest.newBuilder(
                URI.create(server() + "/api/v1/namespaces/" + namespace + "/pods?limit=1"))
            .header("Authorization", "Bearer " + grant.token())
            .timeout(Duration.ofSeconds(10))
            .build();
    long deadline = System.nanoTime() + 30_000_000_000L;
    int last = 0;
    while (System.nanoTime() < deadline) {
      last = probe.send(list, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (last == 200) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(
        grant.id() + " not allowed through the gateway within 30 s (last answer " + last + ")");
  }

  @Override
  public void close() {
    probe.close();
    gateway.close();
    access.close();
    connection.close();
    database.close();
  }

  // ---------------------------------------------------------------- as a child process

  /**
   * Runs the gateway alone, for the memory benchmark: {@code GatewayHost <dir>
   * <latchkey-kubeconfig> <namespace>}. Makes one readonly grant in the namespace, writes {@code
   * gateway.properties} (server, CA, token; readable by its owner only) into {@code dir}, then
   * serves until it is stopped (SIGTERM).
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    GatewayHost host = start(dir, Path.of(args[1]), 64L * 1024 * 1024);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  host.close();
                  stopped.countDown();
                }));
    Grant grant = host.grant("readonly", args[2]);
    Properties out = new Properties();
    out.setProperty("server", host.server());
    out.setProperty("ca", host.caData());
    out.setProperty("token", grant.token());
    Path file = dir.resolve("gateway.properties");
    Path temp = dir.resolve("gateway.properties.tmp");
    Files.deleteIfExists(temp);
    Files.createFile(
        temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (var writer = Files.newBufferedWriter(temp)) {
      out.store(writer, "the gateway of the memory benchmark");
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    System.out.println("gateway ready on " + host.server());
    stopped.await();
  }
}
