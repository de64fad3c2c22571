package dev.latchkey.k8s;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.ClusterAccess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The {@link ClusterAccess} port on Kubernetes (fabric8). It only translates: the core decides what
 * to grant and when to revoke; this class creates and deletes the labelled objects and says how the
 * API server answered.
 *
 * <p>Each call makes a few short requests (see {@link ClusterConnections} for the timeouts) and
 * never throws: an answer of the API server that will not change becomes a refusal, anything else
 * is "unavailable" and left to the core's retries.
 */
public final class FabricClusterAccess implements ClusterAccess, AutoCloseable {
  /** Kubernetes' shortest token lifetime. */
  public static final Duration MIN_TOKEN_LIFETIME = Duration.ofSeconds(600);

  /**
   * A token asked to end this much before the grant does, so that the time the request takes to
   * reach the API server (which counts the lifetime from when it mints; at most the request
   * timeout) can never carry the token past the grant's end. The core hands out no kubeconfig
   * unless more than Kubernetes' minimum plus its own, larger, leeway is left, so this margin never
   * pushes a token below that minimum.
   */
  static final Duration TOKEN_END_MARGIN = ClusterConnections.REQUEST_TIMEOUT.plusSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(FabricClusterAccess.class);

  /** Log lines about one request carry its id in this field (the bot's JSON logs show it). */
  private static final String REQUEST_ID = "request_id";

  private final Map<ClusterRef, ClusterConnection> clusters;
  private final Clock clock;

  public FabricClusterAccess(Map<ClusterRef, ClusterConnection> clusters) {
    this(clusters, Clock.systemUTC());
  }

  public FabricClusterAccess(Map<ClusterRef, ClusterConnection> clusters, Clock clock) {
    this.clusters = Map.copyOf(clusters);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  // ---------------------------------------------------------------- grant

  @Override
  public GrantResult grant(Grant grant) {
    try (var context = MDC.putCloseable(REQUEST_ID, grant.id().value())) {
      return grantLogged(grant);
    }
  }

  private GrantResult grantLogged(Grant grant) {
    ClusterConnection connection = clusters.get(grant.cluster());
    if (connection == null) {
      return new GrantResult.Refused("cluster " + grant.cluster() + " is not configured");
    }
    if (grant.subject() instanceof Subject.ServiceAccount sa
        && !(GrantObjects.GRANTS_NAMESPACE.equals(sa.namespace())
            && grant.id().value().equals(sa.name()))) {
      return new GrantResult.Refused(
          "a request's ServiceAccount must be "
              + GrantObjects.GRANTS_NAMESPACE
              + "/"
              + grant.id()
              + ", not "
              + sa.namespace()
              + "/"
              + sa.name());
    }
    KubernetesClient client = connection.client();
    List<HasMetadata> objects = new ArrayList<>();
    GrantObjects.serviceAccount(grant).ifPresent(objects::add);
    objects.addAll(GrantObjects.bindings(grant));
    try {
      for (HasMetadata desired : objects) {
        ManagedObjects.ensure(client, desired, grant.id());
      }
    } catch (ManagedObjects.Failed failed) {
      if (failed.error.is(ApiError.Kind.UNAVAILABLE)) {
        log.warn(
            "grant {} on {} not finished: {}", grant.id(), grant.cluster(), failed.error.message());
        return new GrantResult.Unavailable(failed.error.message());
      }
      log.warn("grant {} on {} refused: {}", grant.id(), grant.cluster(), failed.error.message());
      Optional<String> notRemoved = ManagedObjects.removeOwn(client, objects, grant.id());
      if (notRemoved.isPresent()) {
        // Refused means nothing is left; until that holds, the grant is retried (and refused again)
        // instead.
        log.warn(
            "objects of refused grant {} on {} not removed yet: {}",
            grant.id(),
            grant.cluster(),
            notRemoved.get());
        return new GrantResult.Unavailable(
            failed.error.message()
                + "; what the grant created could not be removed "
                + "yet: "
                + notRemoved.get());
      }
      return new GrantResult.Refused(failed.error.message());
    }
    log.info(
        "granted {} on {}: ClusterRole {} to {} {}, until {}",
        grant.id(),
        grant.cluster(),
        grant.clusterRole(),
        describe(grant.subject()),
        grant.scope().describe(),
        grant.expiresAt());
    return new GrantResult.Granted();
  }

  // ---------------------------------------------------------------- revoke

  /**
   * Deletes the request's objects by the names they were created with: plain deletes, one request
   * per object, whose cost does not grow with the number of grants on the cluster (a label-selected
   * listing reads every binding of the cluster, which a mass expiry of thousands of grants turns
   * into quadratic work). The names are Latchkey's own ({@code latchkey-<id>}, and the request id
   * in Latchkey's namespace): a grant refuses to adopt a same-named object that is not its own, and
   * then leaves nothing for a revocation to find. Objects labelled with the request under other
   * names are found by {@link #listManaged} and removed by reconciliation.
   */
  @Override
  public RemovalResult revoke(Footprint footprint) {
    try (var context = MDC.putCloseable(REQUEST_ID, footprint.id().value())) {
      return delete(footprint.cluster(), footprint.id(), GrantObjects.objects(footprint));
    }
  }

  @Override
  public RemovalResult removeListed(ClusterRef cluster, ManagedGrant found) {
    try (var context = MDC.putCloseable(REQUEST_ID, found.id().value())) {
      return delete(cluster, found.id(), found.objects());
    }
  }

  private RemovalResult delete(ClusterRef cluster, RequestId id, List<ManagedObject> objects) {
    ClusterConnection connection = clusters.get(cluster);
    if (connection == null) {
      return new RemovalResult.Unavailable("cluster " + cluster + " is not configured");
    }
    KubernetesClient client = connection.client();
    int deleted = 0;
    try {
      // Bindings first: deleting them ends access at once, whatever the credential.
      for (ManagedObject object : GrantObjects.bindingsFirst(objects)) {
        // Already gone is success: fabric8 answers a 404 with an empty list.
        if (!ManagedObjects.resource(client, object).delete().isEmpty()) {
          deleted++;
        } else {
          ManagedObjects.requireGone(client, object);
        }
      }
    } catch (RuntimeException e) {
      ApiError error = ApiError.of(e);
      log.warn("revoking {} on {} not finished: {}", id, cluster, error.message());
      return new RemovalResult.Unavailable(error.message());
    }
    log.info("revoked {} on {}: {} object(s) deleted", id, cluster, deleted);
    return new RemovalResult.Removed(deleted);
  }

  // ---------------------------------------------------------------- reconcile

  @Override
  public Listing listManaged(ClusterRef cluster) {
    ClusterConnection connection = clusters.get(cluster);
    if (connection == null) {
      return new Listing.Unavailable("cluster " + cluster + " is not configured");
    }
    try {
      return new Listing.Listed(ManagedObjects.list(connection.client(), cluster));
    } catch (RuntimeException e) {
      return new Listing.Unavailable(ApiError.of(e).message());
    }
  }

  // ---------------------------------------------------------------- credentials

  /**
   * Mints a token for the request's ServiceAccount lasting until {@code notAfter} (a few seconds
   * less, see {@link #TOKEN_END_MARGIN}; never less than Kubernetes' ten-minute minimum) and wraps
   * it in a kubeconfig for the support server. The token is neither logged nor kept.
   */
  @Override
  public CredentialResult issueCredential(ClusterRef cluster, RequestId id, Instant notAfter) {
    try (var context = MDC.putCloseable(REQUEST_ID, id.value())) {
      return issueCredentialLogged(cluster, id, notAfter);
    }
  }

  private CredentialResult issueCredentialLogged(
      ClusterRef cluster, RequestId id, Instant notAfter) {
    ClusterConnection connection = clusters.get(cluster);
    if (connection == null) {
      return new CredentialResult.Unavailable("cluster " + cluster + " is not configured");
    }
    return switch (GrantTokens.mint(
        connection.client(),
        clock,
        id,
        Optional.empty(),
        notAfter,
        "token for " + id + " on " + cluster)) {
      case GatewayTokens.Mint.Minted minted ->
          new CredentialResult.Issued(
              new Kubeconfig(
                  KubeconfigText.of(
                      cluster,
                      id,
                      connection.supportServer(),
                      connection.caCertData(),
                      minted.token()),
                  minted.expiresAt()));
      case GatewayTokens.Mint.Unavailable unavailable ->
          new CredentialResult.Unavailable(unavailable.message());
    };
  }

  // ---------------------------------------------------------------- roles

  @Override
  public RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
    ClusterConnection connection = clusters.get(cluster);
    if (connection == null) {
      return new RoleCheck.Unavailable("cluster " + cluster + " is not configured");
    }
    ClusterRole role;
    try {
      role = connection.client().rbac().clusterRoles().withName(clusterRole).get();
    } catch (RuntimeException e) {
      return new RoleCheck.Unavailable(ApiError.of(e).message());
    }
    return role == null
        ? new RoleCheck.Missing()
        : new RoleCheck.Present(
            RoleRules.readsSecrets(role.getRules()), RoleRules.reaches(role.getRules()));
  }

  // ---------------------------------------------------------------- what Latchkey did not make

  @Override
  public UnmanagedListing listUnmanaged(ClusterRef cluster) {
    ClusterConnection connection = clusters.get(cluster);
    if (connection == null) {
      return new UnmanagedListing.Unavailable("cluster " + cluster + " is not configured");
    }
    // Objects labelled for an entry whose reconciliation reads this API server are Latchkey's; a
    // label naming any other entry is no excuse, since nothing would ever reconcile the object.
    String server = connection.client().getMasterUrl().toString();
    Set<ClusterRef> here =
        clusters.entrySet().stream()
            .filter(e -> e.getValue().client().getMasterUrl().toString().equals(server))
            .map(Map.Entry::getKey)
            .collect(Collectors.toUnmodifiableSet());
    return UnmanagedObjects.list(connection.client(), here);
  }

  /**
   * Whether the cluster's API server answers (for readiness): empty when it does, else why not.
   * Asks for the server version, which every authenticated identity may read, so it needs no extra
   * permission.
   */
  public Optional<String> unreachable(ClusterRef cluster) {
    ClusterConnection connection = clusters.get(cluster);
    if (connection == null) {
      return Optional.of("cluster " + cluster + " is not configured");
    }
    try {
      connection.client().getKubernetesVersion();
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(ApiError.of(e).message());
    }
  }

  @Override
  public void close() {
    clusters.values().forEach(ClusterConnection::close);
  }

  // ---------------------------------------------------------------- helpers

  private static String describe(Subject subject) {
    return switch (subject) {
      case Subject.ServiceAccount sa -> "ServiceAccount " + sa.namespace() + "/" + sa.name();
      case Subject.User user -> "User " + user.name();
    };
  }
}
