package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.DueReport;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RetryPolicy;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.port.ClusterAccess.Listing;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.FakeApproverDirectory;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.InMemoryAuditLog;
import dev.latchkey.core.testing.InMemoryEnablementStore;
import dev.latchkey.core.testing.InMemoryRequestStore;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.core.testing.RecordingNotifier;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An expiry that falls while the API server is frozen (SIGSTOP): the core with the real adapter
 * fails the removal within the client timeouts, schedules a retry, and removes the grant within
 * seconds of the server coming back (SIGCONT), with exactly one EXPIRED event. Uses an API server
 * of its own, since freezing stalls everything that uses it.
 */
class OutageIT {
  private static final Logger log = LoggerFactory.getLogger(OutageIT.class);

  @Test
  void anExpiryDuringAnOutageIsRevokedSoonAfterTheServerReturns() {
    RealClusterExtension.adminKubeconfig(); // runs only where the real-API-server tier runs
    Path kit = OwnApiServer.kit();
    try (OwnApiServer server = OwnApiServer.start(kit);
        RealCluster cluster = RealCluster.install(server.adminKubeconfig());
        FabricClusterAccess access =
            new FabricClusterAccess(
                Map.of(
                    Fixtures.PROD,
                    new ClusterConnection(
                        cluster.clientAs(RealCluster.LATCHKEY_NAMESPACE, "latchkey"),
                        cluster.server,
                        Optional.ofNullable(cluster.caData))))) {
      MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
      InMemoryAuditLog audit = new InMemoryAuditLog();
      InMemoryRequestStore requests = new InMemoryRequestStore(audit);
      UseCases service =
          UseCases.wire(
              new UseCases.Ports(
                  Fixtures.customers(),
                  requests,
                  new InMemoryEnablementStore(audit),
                  audit,
                  access,
                  new RecordingNotifier(),
                  new FakeApproverDirectory()),
              clock,
              new Random(7),
              RetryPolicy.DEFAULT);

      assertThat(service.enable().enable(Fixtures.PROD, Fixtures.ADMIN, Set.of("readonly")))
          .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
      RequestId id =
          ((SubmitRequest.Result.Submitted)
                  service
                      .submit()
                      .submit(
                          new Submission(
                              Fixtures.ACME,
                              "prod",
                              "readonly",
                              Optional.of(Duration.ofHours(1)),
                              List.of(),
                              Fixtures.REQUESTER,
                              "INC-1 outage drill")))
              .request()
              .id();
      var approved =
          service.decide().decide(Decision.click(id, Fixtures.APPROVER, Decision.Verdict.APPROVE));
      assertThat(((DecideRequest.Result.Approved) approved).request().state())
          .isEqualTo(RequestState.ACTIVE);
      assertThat(cluster.objectsOf(id))
          .extracting(HasMetadata::getKind)
          .containsExactlyInAnyOrder("ClusterRoleBinding", "ServiceAccount");

      server.freeze();
      Duration failedIn;
      try {
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        long started = System.nanoTime();
        DueReport report = service.due().runAll();
        failedIn = Duration.ofNanos(System.nanoTime() - started);

        assertThat(report.errors()).isEmpty();
        AccessRequest expired = requests.find(id).orElseThrow();
        assertThat(expired.state()).isEqualTo(RequestState.EXPIRED);
        assertThat(expired.grantPresent()).as("removal pending").isTrue();
        assertThat(expired.attempts()).isEqualTo(1);
        assertThat(audit.actions(id)).contains(AuditAction.GRANT_REMOVAL_RETRY);
        assertThat(failedIn)
            .as("a frozen server holds a timer pass no longer than the client timeouts")
            .isGreaterThanOrEqualTo(ClusterConnections.REQUEST_TIMEOUT.minusSeconds(1))
            .isLessThan(ClusterConnections.REQUEST_TIMEOUT.plusSeconds(6));
      } finally {
        server.resume();
      }
      long resumed = System.nanoTime();

      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                service.removals().retryNow(Fixtures.PROD);
                service.due().runAll();
                return !requests.find(id).orElseThrow().grantPresent();
              });
      Duration revokedIn = Duration.ofNanos(System.nanoTime() - resumed);
      log.info(
          "frozen API server: removal failed after {} ms; revoked {} ms after resuming",
          failedIn.toMillis(),
          revokedIn.toMillis());

      // Nothing of the outage lingers in the client: the next call is answered at once.
      long probe = System.nanoTime();
      assertThat(access.unreachable(Fixtures.PROD)).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - probe)).isLessThan(Duration.ofSeconds(1));
      assertThat(cluster.objectsOf(id)).isEmpty();
      assertThat(audit.actions(id)).filteredOn(a -> a == AuditAction.REQUEST_EXPIRED).hasSize(1);
      assertThat(audit.actions(id)).contains(AuditAction.GRANT_REMOVED);
      assertThat(requests.find(id).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
      assertThat(access.listManaged(Fixtures.PROD)).isEqualTo(new Listing.Listed(List.of()));
    }
  }
}
