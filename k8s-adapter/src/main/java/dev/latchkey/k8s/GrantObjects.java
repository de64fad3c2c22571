package dev.latchkey.k8s;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.ManagedObject;
import dev.latchkey.core.port.ClusterAccess.ObjectKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.RoleRefBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The objects that realise a grant, as pure functions of it: what {@link FabricClusterAccess}
 * creates, and the names, labels and annotations by which it finds them again.
 */
public final class GrantObjects {
  /** Marks every object Latchkey manages. */
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  public static final String MANAGED_BY_VALUE = "latchkey";

  /**
   * The request an object belongs to: reconciliation finds every object of a request by this label.
   */
  public static final String REQUEST_ID = "latchkey.dev/request-id";

  /**
   * The configured cluster entry an object was made for: two entries (of one customer or two) may
   * name the same API server, and each reconciles only its own objects.
   */
  public static final String CUSTOMER = "latchkey.dev/customer";

  public static final String CLUSTER = "latchkey.dev/cluster";

  /**
   * The request's end when it was granted; an extension moves the end in Latchkey's records only.
   */
  public static final String EXPIRES_AT = "latchkey.dev/expires-at";

  public static final String APPROVERS = "latchkey.dev/approvers";
  public static final String REASON = "latchkey.dev/reason";

  /** Where token-mode ServiceAccounts live; Latchkey may create ServiceAccounts nowhere else. */
  public static final String GRANTS_NAMESPACE = Subject.GRANTS_NAMESPACE;

  /**
   * Longest annotation value written for free text; the API server allows 256 KiB for all
   * annotations.
   */
  static final int MAX_ANNOTATION_CHARS = 1024;

  private static final String RBAC_GROUP = "rbac.authorization.k8s.io";

  private GrantObjects() {}

  /** The name of every binding of a request: {@code latchkey-<id>}. */
  public static String bindingName(RequestId id) {
    return "latchkey-" + id.value();
  }

  /** The label selector of everything Latchkey manages. */
  public static Map<String, String> managedSelector() {
    return Map.of(MANAGED_BY, MANAGED_BY_VALUE);
  }

  /**
   * The label selector of one request's objects (in a fixed order, so requests built from it are
   * repeatable).
   */
  public static Map<String, String> requestSelector(RequestId id) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(MANAGED_BY, MANAGED_BY_VALUE);
    selector.put(REQUEST_ID, id.value());
    return java.util.Collections.unmodifiableMap(selector);
  }

  /**
   * The objects of a footprint, by kind, namespace and name: what {@link #serviceAccount} and
   * {@link #bindings} make.
   */
  public static List<ManagedObject> objects(Footprint footprint) {
    List<ManagedObject> objects = new ArrayList<>();
    String binding = bindingName(footprint.id());
    switch (footprint.scope()) {
      case Scope.Cluster c ->
          objects.add(
              new ManagedObject(ObjectKind.CLUSTER_ROLE_BINDING, Optional.empty(), binding));
      case Scope.Namespaces n ->
          n.names()
              .forEach(
                  ns ->
                      objects.add(
                          new ManagedObject(ObjectKind.ROLE_BINDING, Optional.of(ns), binding)));
    }
    if (footprint.serviceAccount()) {
      objects.add(
          new ManagedObject(
              ObjectKind.SERVICE_ACCOUNT, Optional.of(GRANTS_NAMESPACE), footprint.id().value()));
    }
    return objects;
  }

  /**
   * Bindings before ServiceAccounts: removing a binding ends access at once, whatever the
   * credential.
   */
  static List<ManagedObject> bindingsFirst(List<ManagedObject> objects) {
    return objects.stream()
        .sorted(Comparator.comparing((ManagedObject o) -> o.kind() == ObjectKind.SERVICE_ACCOUNT))
        .toList();
  }

  /** Token mode: the request's own ServiceAccount, which never gets a token mounted into a pod. */
  public static Optional<ServiceAccount> serviceAccount(Grant grant) {
    if (!(grant.subject() instanceof Subject.ServiceAccount sa)) {
      return Optional.empty();
    }
    return Optional.of(
        new ServiceAccountBuilder()
            .withMetadata(metadata(grant, sa.name(), sa.namespace()))
            .withAutomountServiceAccountToken(false)
            .build());
  }

  /** The bindings of a grant: one ClusterRoleBinding, or one RoleBinding per namespace (sorted). */
  public static List<HasMetadata> bindings(Grant grant) {
    return switch (grant.scope()) {
      case Scope.Cluster c -> List.of(clusterRoleBinding(grant));
      case Scope.Namespaces n ->
          n.names().stream().<HasMetadata>map(ns -> roleBinding(grant, ns)).toList();
    };
  }

  static ClusterRoleBinding clusterRoleBinding(Grant grant) {
    return new ClusterRoleBindingBuilder()
        .withMetadata(metadata(grant, bindingName(grant.id()), null))
        .withRoleRef(roleRef(grant))
        .withSubjects(subject(grant.subject()))
        .build();
  }

  static RoleBinding roleBinding(Grant grant, String namespace) {
    return new RoleBindingBuilder()
        .withMetadata(metadata(grant, bindingName(grant.id()), namespace))
        .withRoleRef(roleRef(grant))
        .withSubjects(subject(grant.subject()))
        .build();
  }

  private static RoleRef roleRef(Grant grant) {
    return new RoleRefBuilder()
        .withApiGroup(RBAC_GROUP)
        .withKind("ClusterRole")
        .withName(grant.clusterRole())
        .build();
  }

  static io.fabric8.kubernetes.api.model.rbac.Subject subject(Subject subject) {
    return switch (subject) {
      case Subject.ServiceAccount sa ->
          new SubjectBuilder()
              .withKind("ServiceAccount")
              .withNamespace(sa.namespace())
              .withName(sa.name())
              .build();
      case Subject.User user ->
          new SubjectBuilder()
              .withKind("User")
              .withApiGroup(RBAC_GROUP)
              .withName(user.name())
              .build();
    };
  }

  private static ObjectMeta metadata(Grant grant, String name, String namespace) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(EXPIRES_AT, grant.expiresAt().toString());
    annotations.put(APPROVERS, annotationSafe(String.join(",", grant.approvers())));
    annotations.put(REASON, annotationSafe(grant.reason()));
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels(grant))
        .withAnnotations(annotations)
        .build();
  }

  /**
   * Free text as an annotation value: control characters (line breaks included) become spaces, and
   * it is cut to {@link #MAX_ANNOTATION_CHARS} characters without splitting a character.
   */
  static String annotationSafe(String text) {
    StringBuilder builder = new StringBuilder();
    text.codePoints().forEach(cp -> builder.appendCodePoint(Character.isISOControl(cp) ? ' ' : cp));
    String out = builder.toString().strip();
    if (out.length() <= MAX_ANNOTATION_CHARS) {
      return out;
    }
    int end = MAX_ANNOTATION_CHARS - 1;
    if (Character.isHighSurrogate(out.charAt(end - 1))) {
      end--;
    }
    return out.substring(0, end) + "…";
  }

  private static Map<String, String> labels(Grant grant) {
    Map<String, String> labels = new LinkedHashMap<>(requestSelector(grant.id()));
    labels.put(CUSTOMER, grant.cluster().customer().value());
    labels.put(CLUSTER, grant.cluster().name());
    return labels;
  }

  /**
   * Whether an object labelled as Latchkey's may belong to this cluster entry: it names this entry,
   * or no entry at all (made by hand, or by a release before the entry labels).
   */
  static boolean mayBelongTo(HasMetadata object, ClusterRef cluster) {
    Map<String, String> labels = object.getMetadata().getLabels();
    String customer = labels == null ? null : labels.get(CUSTOMER);
    String name = labels == null ? null : labels.get(CLUSTER);
    return (customer == null || customer.equals(cluster.customer().value()))
        && (name == null || name.equals(cluster.name()));
  }

  /** Whether an object carries the labels of this request (so that it is Latchkey's own). */
  static boolean belongsTo(HasMetadata object, RequestId id) {
    Map<String, String> labels = object.getMetadata().getLabels();
    return labels != null
        && MANAGED_BY_VALUE.equals(labels.get(MANAGED_BY))
        && id.value().equals(labels.get(REQUEST_ID));
  }

  /** The request id an object is labelled with, when it is a valid one. */
  static Optional<RequestId> requestId(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    String value = labels == null ? null : labels.get(REQUEST_ID);
    try {
      return Optional.ofNullable(value).map(RequestId::new);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The expiry annotated on an object, when present and readable. */
  static Optional<Instant> annotatedExpiry(HasMetadata object) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(EXPIRES_AT);
    try {
      return Optional.ofNullable(value).map(Instant::parse);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
