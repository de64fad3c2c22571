package dev.latchkey.k8s;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.ClusterAccess.ManagedGrant;
import dev.latchkey.core.port.ClusterAccess.ManagedObject;
import dev.latchkey.core.port.ClusterAccess.ObjectKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latchkey's objects on one cluster, reached by name (to create a grant's objects, adopting
 * identical ones of the same request; to delete exactly what a grant made, and to confirm that it
 * is gone) and by label (to list every grant's objects for reconciliation). Calls throw what
 * fabric8 throws; {@link ApiError} reads it.
 */
final class ManagedObjects {
  private static final Logger log = LoggerFactory.getLogger(ManagedObjects.class);

  private ManagedObjects() {}

  /**
   * Creates {@code desired}; an identical object of this request that exists already is success.
   */
  static void ensure(KubernetesClient client, HasMetadata desired, RequestId id) {
    try {
      client.resource(desired).create();
      return;
    } catch (RuntimeException e) {
      ApiError error = ApiError.of(e);
      if (!error.is(ApiError.Kind.EXISTS)) {
        throw new Failed(error);
      }
    }
    HasMetadata existing;
    try {
      existing = client.resource(desired).get();
    } catch (RuntimeException e) {
      throw new Failed(ApiError.of(e));
    }
    if (existing == null) {
      throw new Failed(
          new ApiError(ApiError.Kind.UNAVAILABLE, 409, describe(desired) + " is being deleted"));
    }
    if (!sameGrant(existing, desired, id)) {
      throw new Failed(
          new ApiError(
              ApiError.Kind.REFUSED,
              409,
              describe(desired) + " already exists and is not Latchkey's object for " + id));
    }
  }

  private static boolean sameGrant(HasMetadata existing, HasMetadata desired, RequestId id) {
    if (!GrantObjects.belongsTo(existing, id)) {
      return false;
    }
    return switch (desired) {
      case ClusterRoleBinding want when existing instanceof ClusterRoleBinding have ->
          want.getRoleRef().equals(have.getRoleRef())
              && want.getSubjects().equals(have.getSubjects());
      case RoleBinding want when existing instanceof RoleBinding have ->
          want.getRoleRef().equals(have.getRoleRef())
              && want.getSubjects().equals(have.getSubjects());
      case ServiceAccount want -> existing instanceof ServiceAccount;
      default -> false;
    };
  }

  /**
   * A refused grant leaves nothing: whatever this or an earlier attempt created is deleted now, and
   * nothing else — an object of the same name that is not this request's (the reason for some
   * refusals) is left alone. Returns what went wrong if the cluster could not be asked.
   */
  static Optional<String> removeOwn(
      KubernetesClient client, List<HasMetadata> objects, RequestId id) {
    List<HasMetadata> bindingsFirst = new ArrayList<>(objects);
    bindingsFirst.sort(Comparator.comparing(o -> o instanceof ServiceAccount));
    try {
      for (HasMetadata object : bindingsFirst) {
        HasMetadata existing = client.resource(object).get();
        if (existing == null) {
          requireGone(
              client,
              new ManagedObject(
                  kindOf(object),
                  Optional.ofNullable(object.getMetadata().getNamespace()),
                  object.getMetadata().getName()));
        } else if (GrantObjects.belongsTo(existing, id)) {
          client.resource(existing).delete();
        }
      }
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(ApiError.of(e).message());
    }
  }

  /**
   * Every grant whose labelled objects are on the cluster, by request id, with the objects found
   * and the earliest expiry they are annotated with.
   */
  static List<ManagedGrant> list(KubernetesClient client, ClusterRef cluster) {
    Map<String, String> selector = GrantObjects.managedSelector();
    Map<RequestId, Found> found = new TreeMap<>((a, b) -> a.value().compareTo(b.value()));
    client
        .rbac()
        .clusterRoleBindings()
        .withLabels(selector)
        .list()
        .getItems()
        .forEach(o -> add(found, cluster, o, ObjectKind.CLUSTER_ROLE_BINDING));
    client
        .rbac()
        .roleBindings()
        .inAnyNamespace()
        .withLabels(selector)
        .list()
        .getItems()
        .forEach(o -> add(found, cluster, o, ObjectKind.ROLE_BINDING));
    client
        .serviceAccounts()
        .inNamespace(GrantObjects.GRANTS_NAMESPACE)
        .withLabels(selector)
        .list()
        .getItems()
        .forEach(o -> add(found, cluster, o, ObjectKind.SERVICE_ACCOUNT));
    return found.entrySet().stream()
        .map(e -> new ManagedGrant(e.getKey(), e.getValue().objects, e.getValue().expiry))
        .toList();
  }

  private static final class Found {
    final List<ManagedObject> objects = new ArrayList<>();
    Optional<Instant> expiry = Optional.empty();
  }

  private static void add(
      Map<RequestId, Found> found, ClusterRef cluster, HasMetadata object, ObjectKind kind) {
    if (!GrantObjects.mayBelongTo(object, cluster)) {
      return;
    }
    Optional<RequestId> id = GrantObjects.requestId(object);
    if (id.isEmpty()) {
      log.warn(
          "{} is labelled {}={} but has no valid {} label; ignored",
          describe(object),
          GrantObjects.MANAGED_BY,
          GrantObjects.MANAGED_BY_VALUE,
          GrantObjects.REQUEST_ID);
      return;
    }
    Found entry = found.computeIfAbsent(id.get(), k -> new Found());
    entry.objects.add(
        new ManagedObject(
            kind,
            Optional.ofNullable(object.getMetadata().getNamespace()),
            object.getMetadata().getName()));
    // Objects of one grant carry the same expiry; should they differ, the earliest one counts.
    Optional<Instant> expiry = GrantObjects.annotatedExpiry(object);
    if (expiry.isPresent()
        && (entry.expiry.isEmpty() || expiry.get().isBefore(entry.expiry.get()))) {
      entry.expiry = expiry;
    }
  }

  /**
   * Confirms that an object a delete or a read answered 404 for is really absent. fabric8 takes any
   * 404 for "not there", also a proxy's or load balancer's own "404 page not found" while the API
   * server is out of reach; a revocation believing that would record access as removed while the
   * binding stays. A listing by name is answered with a list only by the API server (anything else
   * throws), and it must not show the object.
   */
  static void requireGone(KubernetesClient client, ManagedObject object) {
    List<? extends HasMetadata> named =
        collection(client, object).withField("metadata.name", object.name()).list().getItems();
    // Filtered here as well: a server that ignored the field selector would list every object.
    if (named.stream().anyMatch(o -> object.name().equals(o.getMetadata().getName()))) {
      throw new IllegalStateException(
          object.kind() + " " + object.name() + " answered 404 but is still listed");
    }
  }

  static ObjectKind kindOf(HasMetadata object) {
    return switch (object) {
      case ClusterRoleBinding b -> ObjectKind.CLUSTER_ROLE_BINDING;
      case RoleBinding b -> ObjectKind.ROLE_BINDING;
      case ServiceAccount a -> ObjectKind.SERVICE_ACCOUNT;
      default -> throw new IllegalArgumentException("not a grant's object: " + object.getKind());
    };
  }

  static Resource<? extends HasMetadata> resource(KubernetesClient client, ManagedObject object) {
    return collection(client, object).withName(object.name());
  }

  /** Where objects of the object's kind live (its namespace, for namespaced kinds). */
  private static NonNamespaceOperation<
          ? extends HasMetadata,
          ? extends KubernetesResourceList<? extends HasMetadata>,
          ? extends Resource<? extends HasMetadata>>
      collection(KubernetesClient client, ManagedObject object) {
    return switch (object.kind()) {
      case CLUSTER_ROLE_BINDING -> client.rbac().clusterRoleBindings();
      case ROLE_BINDING ->
          client.rbac().roleBindings().inNamespace(object.namespace().orElseThrow());
      case SERVICE_ACCOUNT ->
          client.serviceAccounts().inNamespace(object.namespace().orElseThrow());
    };
  }

  static String describe(HasMetadata object) {
    String ns = object.getMetadata().getNamespace();
    return object.getKind() + " " + (ns == null ? "" : ns + "/") + object.getMetadata().getName();
  }

  /** Ends a grant attempt at the first call that did not succeed. */
  static final class Failed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient ApiError error;

    Failed(ApiError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }
  }
}
