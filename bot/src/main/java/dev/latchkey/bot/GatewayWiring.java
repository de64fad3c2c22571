package dev.latchkey.bot;

import dev.latchkey.bot.config.ConfigException;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ForwardingClusterAccess;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.SessionStore;
import dev.latchkey.core.session.AdmitConnection;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.LogActivity;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.gateway.GatewayCluster;
import dev.latchkey.gateway.GatewayServices;
import dev.latchkey.gateway.GatewaySettings;
import dev.latchkey.gateway.SessionGateway;
import dev.latchkey.gateway.TapFactory;
import dev.latchkey.gateway.record.StreamTaps;
import dev.latchkey.k8s.ClusterConnection;
import dev.latchkey.k8s.GatewayTokens;
import dev.latchkey.storage.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The session gateway inside Latchkey, when a cluster uses gateway credentials: it is started here,
 * its kubeconfigs are the ones {@code /access kubeconfig} hands out for those clusters, and a grant
 * that ends in this process has its sessions cut at once (the gateway also finds every other end by
 * itself, within its cut interval).
 */
final class GatewayWiring implements AutoCloseable {
  private final SessionGateway gateway;
  private final GatewaySettings settings;
  private final Map<ClusterRef, GatewayTokens> tokens;

  private GatewayWiring(
      SessionGateway gateway, GatewaySettings settings, Map<ClusterRef, GatewayTokens> tokens) {
    this.gateway = gateway;
    this.settings = settings;
    this.tokens = tokens;
  }

  /**
   * Starts the gateway for the gateway-mode clusters of {@code config}; empty when there are none.
   * {@code notifier} hears of sessions opening and ending; the elapsed-time {@code ticker} times
   * sessions and recordings.
   */
  static Optional<GatewayWiring> start(
      Optional<GatewaySettings> settings,
      LatchkeyConfig config,
      Map<ClusterRef, ClusterConnection> connections,
      Database database,
      Notifier notifier,
      Clock clock,
      LongSupplier ticker) {
    if (!config.usesGateway()) {
      return Optional.empty();
    }
    GatewaySettings gatewaySettings =
        settings.orElseThrow(
            () ->
                new ConfigException(
                    "LATCHKEY_GATEWAY_PUBLIC_URL is not set, and a cluster uses `credentials:"
                        + " gateway`"));
    Map<ClusterRef, GatewayTokens> tokens = new LinkedHashMap<>();
    List<GatewayCluster> clusters =
        config.customers().allClusters().stream()
            .filter(p -> p.credentials() == CredentialMode.GATEWAY)
            .map(ClusterPolicy::cluster)
            .map(
                ref -> {
                  ClusterConnection connection = connections.get(ref);
                  tokens.put(ref, new GatewayTokens(connection, clock));
                  return GatewayCluster.of(ref, connection, clock);
                })
            .toList();
    SessionStore store = database.sessions();
    TapFactory taps =
        (session, transport, subprotocol) ->
            StreamTaps.open(
                session,
                transport,
                subprotocol,
                (first, parts) -> store.appendRecording(session.id(), first, parts),
                ticker,
                clock,
                gatewaySettings.recordingCapBytes());
    GatewayServices services =
        new GatewayServices(
            new AdmitConnection(database.requests(), config.customers(), clock),
            database.requests(),
            new OpenSession(store, notifier),
            new CloseSession(store, notifier),
            new LogActivity(store),
            taps,
            clock,
            ticker);
    SessionGateway gateway = SessionGateway.start(gatewaySettings, clusters, services);
    return Optional.of(new GatewayWiring(gateway, gatewaySettings, Map.copyOf(tokens)));
  }

  SessionGateway gateway() {
    return gateway;
  }

  /** {@code inner}, except that kubeconfigs of gateway-mode clusters point at the gateway. */
  ClusterAccess kubeconfigsThroughGateway(ClusterAccess inner) {
    return new GatewayKubeconfigs(inner);
  }

  /** {@code inner}, also cutting every session of a gateway grant the moment it has ended. */
  Notifier cuttingAtTheEnd(Notifier inner) {
    return new Notifier() {
      @Override
      public void requestChanged(AccessRequest request, AuditEvent cause) {
        if (request.kind() == RequestKind.ACCESS
            && request.credentials() == CredentialMode.GATEWAY
            && request.state().isFinal()) {
          gateway.cut(
              request.id(),
              switch (request.state()) {
                case EXPIRED -> SessionEnd.Cause.EXPIRED;
                case REVOKED -> SessionEnd.Cause.REVOKED;
                default -> SessionEnd.Cause.GRANT_ENDED;
              });
        }
        inner.requestChanged(request, cause);
      }

      @Override
      public void expiringSoon(AccessRequest request) {
        inner.expiringSoon(request);
      }

      @Override
      public void revocationOverdue(AccessRequest request) {
        inner.revocationOverdue(request);
      }

      @Override
      public void sessionsChanged(RequestId id) {
        inner.sessionsChanged(id);
      }
    };
  }

  @Override
  public void close() {
    gateway.close();
  }

  /** The adapter for every cluster, but gateway-mode clusters' kubeconfigs are the gateway's. */
  private final class GatewayKubeconfigs extends ForwardingClusterAccess {
    GatewayKubeconfigs(ClusterAccess inner) {
      super(inner);
    }

    @Override
    public CredentialResult issueCredential(ClusterRef cluster, RequestId id, Instant notAfter) {
      GatewayTokens gatewayTokens = tokens.get(cluster);
      if (gatewayTokens == null) {
        return super.issueCredential(cluster, id, notAfter);
      }
      return gatewayTokens.kubeconfig(
          cluster,
          id,
          notAfter,
          gateway.serverUrl(cluster),
          gateway.caCertData(),
          settings.audience());
    }
  }
}
