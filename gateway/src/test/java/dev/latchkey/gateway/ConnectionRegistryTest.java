package dev.latchkey.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.GatewayGrant;
import dev.latchkey.core.session.SessionEnd;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which connections a grant has, and that an ended grant can bind none. */
class ConnectionRegistryTest {
  private static final ClusterRef CLUSTER = new ClusterRef(new CustomerId("acme"), "prod");
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private final ConnectionRegistry registry = new ConnectionRegistry();

  private static GatewayGrant grant(String id) {
    return new GatewayGrant(
        new RequestId(id), CLUSTER, "readonly", NOW.plusSeconds(3600), Set.of());
  }

  /** A connection (by identity, as the gateway's are). */
  private static final class Connection implements ConnectionRegistry.Connection {
    private final RequestId grant;

    Connection(RequestId grant) {
      this.grant = grant;
    }

    @Override
    public RequestId grant() {
      return grant;
    }

    @Override
    public Instant tokenExpiresAt() {
      return Instant.MAX;
    }

    @Override
    public void cut(SessionEnd.Cause cause, String line) {}
  }

  @Test
  void aGrantsConnectionsAreListedUntilTheyGo() {
    GatewayGrant a = grant("ar-0000000a");
    Connection first = new Connection(a.id());
    Connection second = new Connection(a.id());

    assertThat(registry.bind(first, a)).isTrue();
    assertThat(registry.bind(second, a)).isTrue();
    assertThat(registry.openGrants()).containsEntry(a.id(), CLUSTER);
    assertThat(registry.all()).containsExactlyInAnyOrder(first, second);

    registry.unbind(first, a.id());
    registry.unbind(second, a.id());
    assertThat(registry.openGrants()).isEmpty();
  }

  @Test
  void anEndedGrantHandsOverItsConnectionsOnceAndBindsNoMore() {
    GatewayGrant a = grant("ar-0000000a");
    GatewayGrant b = grant("ar-0000000b");
    Connection open = new Connection(a.id());
    Connection other = new Connection(b.id());
    registry.bind(open, a);
    registry.bind(other, b);

    assertThat(registry.end(a.id(), SessionEnd.Cause.REVOKED, NOW)).containsExactly(open);
    assertThat(registry.end(a.id(), SessionEnd.Cause.EXPIRED, NOW)).isEmpty();
    assertThat(registry.ended(a.id()))
        .hasValue(new ConnectionRegistry.Ended(SessionEnd.Cause.REVOKED, NOW));
    assertThat(registry.bind(new Connection(a.id()), a)).isFalse();
    assertThat(registry.openGrants()).containsOnlyKeys(b.id());

    registry.forgetEndedBefore(NOW.plusSeconds(1));
    assertThat(registry.ended(a.id())).isEmpty();
  }
}
