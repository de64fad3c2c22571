package dev.latchkey.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.session.AdmitConnection;
import dev.latchkey.core.session.GatewayGrant;
import dev.latchkey.core.session.SessionEnd;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a sweep cuts, and what it asks the records while doing so. */
class GrantCutterTest {
  private final GatewayRig rig = new GatewayRig();
  private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
  private final RequestStore counted = counting(rig.rig.requests);
  private final ConnectionRegistry registry = new ConnectionRegistry();
  private final GrantCutter cutter =
      new GrantCutter(
          registry,
          new AdmitConnection(counted, rig.rig.core.settings().customers(), rig.rig.clock),
          new EndCauses(counted),
          rig.rig.clock);

  /** A connection that remembers how it was cut. */
  private static final class Connection implements ConnectionRegistry.Connection {
    private final RequestId grant;
    volatile String line;

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
    public void cut(SessionEnd.Cause cause, String line) {
      this.line = line;
    }
  }

  private RequestStore counting(RequestStore store) {
    return (RequestStore)
        Proxy.newProxyInstance(
            RequestStore.class.getClassLoader(),
            new Class<?>[] {RequestStore.class},
            (proxy, method, args) -> {
              reads.computeIfAbsent(method.getName(), m -> new AtomicInteger()).incrementAndGet();
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private Connection open(AccessRequest grant) {
    Connection connection = new Connection(grant.id());
    registry.bind(
        connection,
        new GatewayGrant(
            grant.id(), grant.cluster(), grant.role(), grant.expiresAt().orElseThrow(), Set.of()));
    return connection;
  }

  @Test
  void aMassEndIsToldFromOneReadOfTheRecordsAndCutsEveryConnectionOfIt() {
    List<AccessRequest> ended =
        List.of(
            rig.active(rig.main, "readonly", List.of()),
            rig.active(rig.main, "readonly", List.of()),
            rig.active(rig.main, "readonly", List.of()));
    AccessRequest going = rig.active(rig.main, "readonly", List.of());
    List<Connection> cut = ended.stream().map(this::open).toList();
    Connection kept = open(going);
    ended.forEach(rig::revoke);
    reads.clear();

    cutter.sweep();

    assertThat(cut).allSatisfy(c -> assertThat(c.line).endsWith("ended: revoked"));
    assertThat(kept.line).isNull();
    assertThat(reads.get("standings")).as("the open grants").hasValue(1);
    assertThat(reads.get("findAll")).as("then the ended ones, for why they ended").hasValue(1);
    assertThat(reads).as("no read per grant").doesNotContainKeys("find", "standing");
  }
}
