package dev.latchkey.bot.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.ClusterAccess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Errors are counted by operation, results passed on as they are. */
class MeteredClusterAccessTest {
  static final ClusterRef PROD = new ClusterRef(new CustomerId("acme"), "prod");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private boolean down;

  private final ClusterAccess cluster =
      new ClusterAccess() {
        @Override
        public GrantResult grant(Grant grant) {
          return new GrantResult.Refused("no");
        }

        @Override
        public RemovalResult revoke(Footprint footprint) {
          return down ? new RemovalResult.Unavailable("down") : new RemovalResult.Removed(1);
        }

        @Override
        public Listing listManaged(ClusterRef cluster) {
          return down ? new Listing.Unavailable("down") : new Listing.Listed(List.of());
        }

        @Override
        public RemovalResult removeListed(ClusterRef cluster, ManagedGrant found) {
          return revoke(null);
        }

        @Override
        public CredentialResult issueCredential(ClusterRef cluster, RequestId id, Instant at) {
          return new CredentialResult.Unavailable("down");
        }

        @Override
        public RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
          return down ? new RoleCheck.Unavailable("down") : new RoleCheck.Missing();
        }

        @Override
        public UnmanagedListing listUnmanaged(ClusterRef cluster) {
          return down
              ? new UnmanagedListing.Unavailable("down")
              : new UnmanagedListing.Listed(List.of());
        }
      };

  private final MeteredClusterAccess metered = new MeteredClusterAccess(cluster, registry);

  private double errors(String operation, String kind) {
    var counter =
        registry.find("latchkey.kubernetes.errors").tag("operation", operation).tag("kind", kind);
    return counter.counter() == null ? 0 : counter.counter().count();
  }

  @Test
  void onlyFailedCallsAreCountedEachUnderItsOperation() {
    RequestId id = new RequestId("ar-00000001");
    assertThat(metered.listManaged(PROD)).isEqualTo(new ClusterAccess.Listing.Listed(List.of()));
    assertThat(metered.checkRole(PROD, "view")).isEqualTo(new ClusterAccess.RoleCheck.Missing());
    assertThat(metered.listUnmanaged(PROD))
        .isEqualTo(new ClusterAccess.UnmanagedListing.Listed(List.of()));
    assertThat(metered.removeListed(PROD, null))
        .isEqualTo(new ClusterAccess.RemovalResult.Removed(1));
    assertThat(registry.find("latchkey.kubernetes.errors").counters()).isEmpty();

    down = true;
    assertThat(metered.listManaged(PROD)).isEqualTo(new ClusterAccess.Listing.Unavailable("down"));
    metered.checkRole(PROD, "view");
    metered.listUnmanaged(PROD);
    metered.removeListed(PROD, null);
    metered.removeListed(PROD, null);
    metered.issueCredential(PROD, id, Instant.EPOCH);

    assertThat(errors("list", "unavailable")).isEqualTo(1);
    assertThat(errors("role_check", "unavailable")).isEqualTo(1);
    assertThat(errors("list_unmanaged", "unavailable")).isEqualTo(1);
    assertThat(errors("revoke", "unavailable")).isEqualTo(2);
    assertThat(errors("token", "unavailable")).isEqualTo(1);
    assertThat(registry.find("latchkey.revoke").timer().count()).isEqualTo(3);
  }
}
