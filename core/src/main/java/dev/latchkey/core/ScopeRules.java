package dev.latchkey.core;

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
                  new Refusal(
                      Refusal.Reason.NAMESPACES_REQUIRED,
                      "Role "
                          + role.name()
                          + " is granted only in named namespaces on "
                          + policy.cluster().name()
                          + ": add ns=<namespace,…> to the request."))
              : Optional.empty();
      case Scope.Namespaces namespaces ->
          namespaces.names().stream()
              .filter(policy.protectedNamespaces()::contains)
              .findFirst()
              .map(
                  ns ->
                      new Refusal(
                          Refusal.Reason.PROTECTED_NAMESPACE,
                          "Namespace `"
                              + ns
                              + "` is protected on "
                              + policy.cluster().name()
                              + ": no access to it is ever granted (it holds Latchkey itself or"
                              + " its grants). Protected: "
                              + String.join(", ", policy.protectedNamespaces())
                              + "."));
    };
  }
}
