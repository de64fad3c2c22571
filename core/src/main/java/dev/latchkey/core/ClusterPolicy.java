package dev.latchkey.core;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a cluster may ever offer (the ceiling, from configuration): its roles, the namespaces
 * requests may name, how long a request may wait, and how engineers get in. Whether access is
 * enabled right now is runtime state, see {@link ClusterEnablement}.
 *
 * @param protectedNamespaces namespaces no grant may reach: always Latchkey's own ({@code
 *     latchkey}) and {@code latchkey-grants}, plus those configured
 * @param hostsLatchkey whether Latchkey itself runs in this cluster, so that a cluster-wide role
 *     reaching pods there would reach Latchkey's own identity and secrets
 */
public record ClusterPolicy(
    ClusterRef cluster,
    Map<String, RoleDefinition> roles,
    List<String> allowedNamespaces,
    Duration pendingTtl,
    CredentialMode credentials,
    String subjectTemplate,
    Set<String> protectedNamespaces,
    boolean hostsLatchkey) {
  public static final Duration DEFAULT_PENDING_TTL = Duration.ofHours(2);
  public static final String DEFAULT_SUBJECT_TEMPLATE = "support:{email}";

  /** Latchkey's own namespace in a cluster (its identity, and where it runs in-cluster). */
  public static final String LATCHKEY_NAMESPACE = "latchkey";

  /** Protected on every cluster, whatever the configuration says. */
  public static final Set<String> ALWAYS_PROTECTED =
      Set.of(LATCHKEY_NAMESPACE, Subject.GRANTS_NAMESPACE);

  public ClusterPolicy {
    Objects.requireNonNull(cluster, "cluster");
    roles = Collections.unmodifiableMap(new LinkedHashMap<>(roles));
    if (roles.isEmpty()) {
      throw new IllegalArgumentException("a cluster offers at least one role");
    }
    roles.forEach(
        (name, role) -> {
          if (!name.equals(role.name())) {
            throw new IllegalArgumentException("role " + name + " is defined under another name");
          }
        });
    allowedNamespaces = List.copyOf(allowedNamespaces);
    for (String ns : allowedNamespaces) {
      if (!Scope.isNamespaceName(ns)) {
        throw new IllegalArgumentException("not a namespace name: " + ns);
      }
    }
    Objects.requireNonNull(pendingTtl, "pendingTtl");
    if (pendingTtl.isNegative() || pendingTtl.isZero()) {
      throw new IllegalArgumentException("pending TTL must be above zero");
    }
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(subjectTemplate, "subjectTemplate");
    TreeSet<String> protectedSet = new TreeSet<>(ALWAYS_PROTECTED);
    for (String ns : protectedNamespaces) {
      if (!Scope.isNamespaceName(ns)) {
        throw new IllegalArgumentException("not a namespace name: " + ns);
      }
      protectedSet.add(ns);
    }
    protectedNamespaces = Collections.unmodifiableSortedSet(protectedSet);
    // A fixed prefix keeps derived users apart from every other identity the cluster knows;
    // "system:" names are
    // Kubernetes' own (nodes, ServiceAccounts, controllers).
    if (!subjectTemplate.matches("[A-Za-z0-9:@._-]+(\\{(email|team|user)\\}[A-Za-z0-9:@._-]*)+")
        || subjectTemplate.startsWith("system:")) {
      throw new IllegalArgumentException(
          "subject template must use {email}, {team} or {user} after a fixed prefix that is not"
              + " system:, e.g. support:{email}");
    }
  }

  /** A cluster that protects only the built-in namespaces and does not host Latchkey. */
  public ClusterPolicy(
      ClusterRef cluster,
      Map<String, RoleDefinition> roles,
      List<String> allowedNamespaces,
      Duration pendingTtl,
      CredentialMode credentials,
      String subjectTemplate) {
    this(
        cluster,
        roles,
        allowedNamespaces,
        pendingTtl,
        credentials,
        subjectTemplate,
        ALWAYS_PROTECTED,
        false);
  }

  public Optional<RoleDefinition> role(String name) {
    return Optional.ofNullable(roles.get(name));
  }

  /** A requested role window: 8 h unless the role allows less. */
  public Duration defaultDuration(RoleDefinition role) {
    return role.maxDuration().compareTo(RoleDefinition.DEFAULT_MAX_DURATION) < 0
        ? role.maxDuration()
        : RoleDefinition.DEFAULT_MAX_DURATION;
  }
}
