package dev.latchkey.core.rules;

import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Scope;
import java.util.Optional;

/**
 * Where a grant may reach: never a protected namespace (Latchkey's own, {@code latchkey-grants},
 * and those configured), and a namespaced-only role never cluster-wide. Checked at submission and
 * again at approval, since the configuration may have changed in between.
 */
public final class ScopeRules {
  private ScopeRules() {}

  public static Optional<Refusal> refusal(ClusterPolicy policy, RoleDefinition role, Scope scope) {
    return switch (scope) {
      case Scope.Cluster cluster ->
          role.namespacedOnly()
              ? Optional.of(
                  Refusal.of(Refusal.Reason.NAMESPACES_REQUIRED)
                      .with(Fact.ROLE, role.name())
                      .with(Fact.CLUSTER, policy.cluster().name()))
              : Optional.empty();
      case Scope.Namespaces namespaces ->
          namespaces.names().stream()
              .filter(policy.protectedNamespaces()::contains)
              .findFirst()
              .map(
                  ns ->
                      Refusal.of(Refusal.Reason.PROTECTED_NAMESPACE)
                          .with(Fact.NAMESPACE, ns)
                          .with(Fact.CLUSTER, policy.cluster().name())
                          .with(
                              Fact.PROTECTED_NAMESPACES,
                              String.join(", ", policy.protectedNamespaces())));
    };
  }
}
