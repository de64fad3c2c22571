package dev.latchkey.k8s;

import static dev.latchkey.k8s.RealCluster.can;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** External mode on a real API server: the derived user's access flips with grant and revoke. */
@ExtendWith(RealClusterExtension.class)
class ExternalModeIT {
  private static FabricClusterAccess access;
  private static String ns;

  @BeforeAll
  static void setUp(RealCluster cluster) {
    access = cluster.accessAsLatchkey();
    ns = cluster.createNamespace("latchkey-it-external");
  }

  @AfterAll
  static void tearDown(RealCluster cluster) {
    if (access != null) {
      access.close();
    }
    cluster.deleteNamespace(ns);
  }

  @Test
  void operatorInOneNamespaceFlipsAllowedToDenied(RealCluster cluster) {
    String user = "support:" + RealCluster.unique("alice") + "@vendor.example";
    RequestId id = Grants.newId();
    ResourceAttributes exec = can("create", "pods/exec", ns);
    assertThat(cluster.allowed(user, exec)).isFalse();

    Grant grant = grant(id, "latchkey-operator", Grants.namespaces(ns), user);
    assertThat(access.grant(grant)).isEqualTo(new GrantResult.Granted());
    cluster.awaitAllowed(user, exec, true);
    assertThat(cluster.allowed(user, can("create", "pods/exec", "default"))).isFalse();
    assertThat(cluster.allowed(user, can("get", "secrets", ns))).isFalse();

    assertThat(access.revoke(Footprint.of(grant))).isEqualTo(new RemovalResult.Removed(1));
    cluster.awaitAllowed(user, exec, false);
  }

  @Test
  void readonlyClusterWideFlipsAllowedToDenied(RealCluster cluster) {
    String user = "support:" + RealCluster.unique("bob") + "@vendor.example";
    RequestId id = Grants.newId();
    ResourceAttributes nodes = can("list", "nodes", null);
    assertThat(cluster.allowed(user, nodes)).isFalse();

    Grant grant = grant(id, "latchkey-readonly", Scope.CLUSTER, user);
    assertThat(access.grant(grant)).isEqualTo(new GrantResult.Granted());
    cluster.awaitAllowed(user, nodes, true);

    assertThat(access.revoke(Footprint.of(grant))).isEqualTo(new RemovalResult.Removed(1));
    cluster.awaitAllowed(user, nodes, false);
  }

  private static Grant grant(RequestId id, String role, Scope scope, String user) {
    return new Grant(
        id,
        RealCluster.REF,
        role,
        scope,
        Grants.user(user),
        Instant.now().plus(Duration.ofHours(1)),
        List.of("slack:T0C/U0A"),
        "external mode test");
  }
}
