package dev.latchkey.k8s;

import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.port.ClusterAccess.BoundRole;
import dev.latchkey.core.port.ClusterAccess.UnmanagedKind;
import dev.latchkey.core.port.ClusterAccess.UnmanagedListing;
import dev.latchkey.core.port.ClusterAccess.UnmanagedObject;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Finds what reaches the grants' namespace without Latchkey having made it (see {@link
 * dev.latchkey.core.port.ClusterAccess#listUnmanaged}): the way a stolen identity would leave
 * itself a ServiceAccount, a binding and a token that reconciliation, which looks only at labelled
 * objects, never sees.
 */
final class UnmanagedObjects {
  /** The annotation by which a Secret asks Kubernetes for a ServiceAccount's token. */
  static final String TOKEN_OF = "kubernetes.io/service-account.name";

  /** Made by Kubernetes in every namespace; holds no rights unless a binding gives it some. */
  static final String DEFAULT_SERVICE_ACCOUNT = "default";

  /** Latchkey's own identity, as deploy/rbac.yaml installs it. */
  static final String LATCHKEY_SERVICE_ACCOUNT = "latchkey";

  private static final String GRANTS = GrantObjects.GRANTS_NAMESPACE;
  private static final String SERVICE_ACCOUNT_USER_PREFIX = "system:serviceaccount:";
  private static final String GRANTS_GROUP = "system:serviceaccounts:" + GRANTS;

  /** Objects per list request, so that a cluster with many bindings is read in bounded pages. */
  private static final long PAGE = 500;

  private UnmanagedObjects() {}

  /**
   * Lists them with {@code client}; {@code entries} are the cluster entries of this deployment
   * whose reconciliation reads this API server.
   */
  static UnmanagedListing list(KubernetesClient client, Set<ClusterRef> entries) {
    List<UnmanagedObject> found = new ArrayList<>();
    try {
      eachPage(
          o -> client.serviceAccounts().inNamespace(GRANTS).list(o),
          sa -> {
            if (!DEFAULT_SERVICE_ACCOUNT.equals(sa.getMetadata().getName())
                && !isLatchkeys(sa, entries)) {
              found.add(object(UnmanagedKind.SERVICE_ACCOUNT, sa, Optional.empty()));
            }
          });
      // Latchkey makes no Secrets, so every Secret here is someone else's. Read as metadata only:
      // Latchkey never sees what they hold.
      eachPage(
          o -> client.secrets().inNamespace(GRANTS).listAsPartialObjectMetadata(o),
          secret -> found.add(object(UnmanagedKind.SECRET, secret, Optional.empty())));
      eachPage(
          o -> client.rbac().roleBindings().inAnyNamespace().list(o),
          binding -> {
            String namespace = binding.getMetadata().getNamespace();
            List<Subject> subjects = subjects(binding.getSubjects());
            boolean inGrants = GRANTS.equals(namespace) && !onlyLatchkey(subjects, namespace);
            if ((inGrants || reachesGrants(subjects, namespace))
                && !isLatchkeys(binding, entries)) {
              found.add(object(UnmanagedKind.ROLE_BINDING, binding, role(binding.getRoleRef())));
            }
          });
      eachPage(
          o -> client.rbac().clusterRoleBindings().list(o),
          binding -> {
            if (reachesGrants(subjects(binding.getSubjects()), null)
                && !isLatchkeys(binding, entries)) {
              found.add(
                  object(UnmanagedKind.CLUSTER_ROLE_BINDING, binding, role(binding.getRoleRef())));
            }
          });
    } catch (RuntimeException e) {
      return new UnmanagedListing.Unavailable(ApiError.of(e).message());
    }
    found.sort(
        Comparator.comparing((UnmanagedObject o) -> o.kind())
            .thenComparing(o -> o.namespace().orElse(""))
            .thenComparing(UnmanagedObject::name));
    return new UnmanagedListing.Listed(found);
  }

  /**
   * Latchkey's own: managed by Latchkey, labelled with a valid request id, and for one of {@code
   * entries} (or for no entry, as objects of releases before the entry labels). A grant's objects
   * carry exactly these, and the reconciliation of those entries takes whatever else carries them
   * for a grant's.
   */
  static boolean isLatchkeys(HasMetadata object, Set<ClusterRef> entries) {
    Map<String, String> labels = object.getMetadata().getLabels();
    return labels != null
        && GrantObjects.MANAGED_BY_VALUE.equals(labels.get(GrantObjects.MANAGED_BY))
        && GrantObjects.requestId(object).isPresent()
        && entries.stream().anyMatch(entry -> GrantObjects.mayBelongTo(object, entry));
  }

  /**
   * Whether any subject is an identity of the grants' namespace: one of its ServiceAccounts (also
   * named as a User), or the group of all of them. {@code bindingNamespace} is where a RoleBinding
   * lives (a ServiceAccount subject without a namespace means that one), null for a
   * ClusterRoleBinding.
   */
  static boolean reachesGrants(List<Subject> subjects, String bindingNamespace) {
    return subjects.stream()
        .anyMatch(
            s ->
                switch (String.valueOf(s.getKind())) {
                  case "ServiceAccount" -> GRANTS.equals(namespaceOf(s, bindingNamespace));
                  case "User" ->
                      String.valueOf(s.getName())
                          .startsWith(SERVICE_ACCOUNT_USER_PREFIX + GRANTS + ":");
                  case "Group" -> GRANTS_GROUP.equals(s.getName());
                  default -> false;
                });
  }

  /** Whether every subject is Latchkey's own identity, which such a binding gives nothing new. */
  static boolean onlyLatchkey(List<Subject> subjects, String bindingNamespace) {
    String user =
        SERVICE_ACCOUNT_USER_PREFIX
            + ClusterPolicy.LATCHKEY_NAMESPACE
            + ":"
            + LATCHKEY_SERVICE_ACCOUNT;
    return subjects.stream()
        .allMatch(
            s ->
                switch (String.valueOf(s.getKind())) {
                  case "ServiceAccount" ->
                      ClusterPolicy.LATCHKEY_NAMESPACE.equals(namespaceOf(s, bindingNamespace))
                          && LATCHKEY_SERVICE_ACCOUNT.equals(s.getName());
                  case "User" -> user.equals(s.getName());
                  default -> false;
                });
  }

  private static String namespaceOf(Subject subject, String bindingNamespace) {
    String namespace = subject.getNamespace();
    return namespace == null || namespace.isEmpty() ? bindingNamespace : namespace;
  }

  private static List<Subject> subjects(List<Subject> subjects) {
    return subjects == null ? List.of() : subjects;
  }

  private static Optional<BoundRole> role(RoleRef ref) {
    return ref == null || ref.getName() == null
        ? Optional.empty()
        : Optional.of(new BoundRole(String.valueOf(ref.getKind()), ref.getName()));
  }

  private static UnmanagedObject object(
      UnmanagedKind kind, HasMetadata object, Optional<BoundRole> role) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    Optional<String> tokenOf =
        kind == UnmanagedKind.SECRET && annotations != null
            ? Optional.ofNullable(annotations.get(TOKEN_OF))
            : Optional.empty();
    return new UnmanagedObject(
        kind,
        Optional.ofNullable(object.getMetadata().getNamespace()),
        object.getMetadata().getName(),
        role,
        tokenOf);
  }

  /** Reads a collection page by page, handing each object to {@code each}. */
  private static <T extends HasMetadata> void eachPage(
      Function<ListOptions, ? extends KubernetesResourceList<T>> list, Consumer<T> each) {
    String next = null;
    do {
      KubernetesResourceList<T> page =
          list.apply(new ListOptionsBuilder().withLimit(PAGE).withContinue(next).build());
      // An empty metadata-only list comes back as "items": null.
      if (page.getItems() != null) {
        page.getItems().forEach(each);
      }
      next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
  }
}
