package dev.latchkey.core.port;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Realises grants in a cluster and removes them. Every call is idempotent: granting what exists and
 * removing what is gone both succeed. A refused grant leaves nothing behind.
 */
public interface ClusterAccess {

  GrantResult grant(Grant grant);

  /**
   * Removes a request's objects, addressed by the names they were created with (bindings first,
   * then the ServiceAccount), so the cost does not grow with how many grants the cluster holds.
   */
  RemovalResult revoke(Footprint footprint);

  /**
   * Every object Latchkey manages for this cluster entry (found by its labels; objects labelled for
   * another entry on the same API server are not listed), grouped by request id.
   */
  Listing listManaged(ClusterRef cluster);

  /** Removes exactly the objects a listing found, whatever their names (e.g. labelled by hand). */
  RemovalResult removeListed(ClusterRef cluster, ManagedGrant found);

  /**
   * Mints a token for the request's ServiceAccount lasting until {@code notAfter} and wraps it in a
   * kubeconfig.
   */
  CredentialResult issueCredential(ClusterRef cluster, RequestId id, Instant notAfter);

  /** Whether a ClusterRole exists and whether it lets its holder read Secrets. */
  RoleCheck checkRole(ClusterRef cluster, String clusterRole);

  /**
   * What reaches the grants' namespace ({@code latchkey-grants}) without Latchkey having made it:
   * the ServiceAccounts, RoleBindings and Secrets there, and the bindings anywhere that bind a
   * subject of that namespace, which lack Latchkey's labels (managed by Latchkey, with a request
   * id, for a cluster entry of this deployment on the same API server). Latchkey makes no Secrets,
   * so every Secret there is listed, read as metadata only. Kubernetes' own {@code default}
   * ServiceAccount and the bindings that reach only Latchkey's own identity are not listed.
   */
  UnmanagedListing listUnmanaged(ClusterRef cluster);

  /** What to create: derived from an approved request by the core. */
  record Grant(
      RequestId id,
      ClusterRef cluster,
      String clusterRole,
      Scope scope,
      Subject subject,
      Instant expiresAt,
      List<String> approvers,
      String reason) {
    public Grant {
      approvers = List.copyOf(approvers);
    }
  }

  /**
   * Where a request's objects are: a ClusterRoleBinding (cluster scope) or a RoleBinding in each
   * namespace of its scope, and in token mode its ServiceAccount; all named from the request id by
   * the adapter.
   */
  record Footprint(ClusterRef cluster, RequestId id, Scope scope, boolean serviceAccount) {
    public Footprint {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(scope, "scope");
    }

    public static Footprint of(Grant grant) {
      return new Footprint(
          grant.cluster(),
          grant.id(),
          grant.scope(),
          grant.subject() instanceof Subject.ServiceAccount);
    }

    /**
     * What of this footprint a listing did not find, e.g. {@code "RoleBinding in web"}; empty when
     * complete.
     */
    public List<String> missingFrom(Optional<ManagedGrant> found) {
      List<ManagedObject> objects = found.map(ManagedGrant::objects).orElse(List.of());
      List<String> missing = new ArrayList<>();
      switch (scope) {
        case Scope.Cluster c -> {
          if (objects.stream().noneMatch(o -> o.kind() == ObjectKind.CLUSTER_ROLE_BINDING)) {
            missing.add("ClusterRoleBinding");
          }
        }
        case Scope.Namespaces n ->
            n.names().stream()
                .filter(
                    ns ->
                        objects.stream()
                            .noneMatch(
                                o ->
                                    o.kind() == ObjectKind.ROLE_BINDING
                                        && o.namespace().equals(Optional.of(ns))))
                .forEach(ns -> missing.add("RoleBinding in " + ns));
      }
      if (serviceAccount
          && objects.stream().noneMatch(o -> o.kind() == ObjectKind.SERVICE_ACCOUNT)) {
        missing.add("ServiceAccount");
      }
      return missing;
    }
  }

  sealed interface GrantResult {
    record Granted() implements GrantResult {}

    /** The API server said no for good (e.g. 403); nothing of the grant is left. */
    record Refused(String message) implements GrantResult {}

    /**
     * Could not finish now (unreachable, 5xx, timeout); may have left a part, which a retry
     * completes.
     */
    record Unavailable(String message) implements GrantResult {}
  }

  sealed interface RemovalResult {
    /** Nothing of it is left; {@code deleted} objects were deleted now (0: already gone). */
    record Removed(int deleted) implements RemovalResult {}

    record Unavailable(String message) implements RemovalResult {}
  }

  sealed interface Listing {
    record Listed(List<ManagedGrant> grants) implements Listing {
      public Listed {
        grants = List.copyOf(grants);
      }
    }

    record Unavailable(String message) implements Listing {}
  }

  /** What the cluster holds for one request id: the objects labelled with it, as listed. */
  record ManagedGrant(
      RequestId id, List<ManagedObject> objects, Optional<Instant> annotatedExpiry) {
    public ManagedGrant {
      objects = List.copyOf(objects);
    }

    public Set<ObjectKind> kinds() {
      Set<ObjectKind> kinds = EnumSet.noneOf(ObjectKind.class);
      objects.forEach(o -> kinds.add(o.kind()));
      return Set.copyOf(kinds);
    }

    public boolean hasBinding() {
      Set<ObjectKind> kinds = kinds();
      return kinds.contains(ObjectKind.CLUSTER_ROLE_BINDING)
          || kinds.contains(ObjectKind.ROLE_BINDING);
    }
  }

  /** One listed object; {@code namespace} is empty for a ClusterRoleBinding. */
  record ManagedObject(ObjectKind kind, Optional<String> namespace, String name) {
    public ManagedObject {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(name, "name");
    }
  }

  enum ObjectKind {
    CLUSTER_ROLE_BINDING,
    ROLE_BINDING,
    SERVICE_ACCOUNT
  }

  sealed interface CredentialResult {
    record Issued(Kubeconfig kubeconfig) implements CredentialResult {}

    record Unavailable(String message) implements CredentialResult {}
  }

  /**
   * Ways a role's holder can act on the pods of a namespace — and so, in Latchkey's own namespace,
   * on Latchkey: read its mounted token and secrets, run as it, or stop it.
   */
  enum PodReach {
    /** exec, attach or port-forward into pods. */
    EXEC,
    /** delete or evict pods. */
    DELETE_PODS,
    /** create pods, or create, change or scale the workloads that make them. */
    CHANGE_WORKLOADS,
    /** read Secrets (a mounted token's Secret, Latchkey's Slack secrets). */
    READ_SECRETS
  }

  /** A ready kubeconfig holding a bearer token. Its text is a secret: toString never shows it. */
  record Kubeconfig(String text, Instant tokenExpiresAt) {
    public Kubeconfig {
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(tokenExpiresAt, "tokenExpiresAt");
    }

    @Override
    public String toString() {
      return "Kubeconfig[token expires " + tokenExpiresAt + ", contents redacted]";
    }
  }

  sealed interface RoleCheck {
    /**
     * The ClusterRole exists; {@code reaches} is what a cluster-wide holder of it could do to the
     * pods of any namespace, Latchkey's own included.
     */
    record Present(boolean readsSecrets, Set<PodReach> reaches) implements RoleCheck {
      public Present {
        reaches = reaches.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(reaches));
      }

      /** A role that reaches no pod. */
      public Present(boolean readsSecrets) {
        this(readsSecrets, Set.of());
      }
    }

    record Missing() implements RoleCheck {}

    record Unavailable(String message) implements RoleCheck {}
  }

  sealed interface UnmanagedListing {
    record Listed(List<UnmanagedObject> objects) implements UnmanagedListing {
      public Listed {
        objects = List.copyOf(objects);
      }
    }

    record Unavailable(String message) implements UnmanagedListing {}
  }

  /**
   * One object Latchkey did not make. {@code namespace} is empty for a ClusterRoleBinding; {@code
   * role} is the role a binding grants; {@code tokenOf} the ServiceAccount a Secret says it holds a
   * token of (its {@code kubernetes.io/service-account.name} annotation).
   */
  record UnmanagedObject(
      UnmanagedKind kind,
      Optional<String> namespace,
      String name,
      Optional<BoundRole> role,
      Optional<String> tokenOf) {
    public UnmanagedObject {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(tokenOf, "tokenOf");
    }

    /**
     * E.g. {@code ClusterRoleBinding x (ClusterRole cluster-admin)}, for logs and audit details.
     */
    public String describe() {
      return kind.kubernetesKind()
          + " "
          + namespace.map(ns -> ns + "/").orElse("")
          + name
          + role.map(r -> " (" + r.describe() + ")").orElse("")
          + tokenOf.map(sa -> " (token of ServiceAccount " + sa + ")").orElse("");
    }
  }

  enum UnmanagedKind {
    SERVICE_ACCOUNT("ServiceAccount"),
    SECRET("Secret"),
    ROLE_BINDING("RoleBinding"),
    CLUSTER_ROLE_BINDING("ClusterRoleBinding");

    private final String kubernetesKind;

    UnmanagedKind(String kubernetesKind) {
      this.kubernetesKind = kubernetesKind;
    }

    public String kubernetesKind() {
      return kubernetesKind;
    }
  }

  /** The role a binding grants: {@code kind} is {@code ClusterRole} or {@code Role}. */
  record BoundRole(String kind, String name) {
    public BoundRole {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
    }

    public String describe() {
      return kind + " " + name;
    }
  }
}
