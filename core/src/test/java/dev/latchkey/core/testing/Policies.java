package dev.latchkey.core.testing;

import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.RoleDefinition;
import java.util.LinkedHashMap;
import java.util.Map;

/** A cluster policy changed in one respect, as a configuration edited between two starts. */
public final class Policies {
  private Policies() {}

  public static ClusterPolicy withRole(ClusterPolicy policy, RoleDefinition role) {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>(policy.roles());
    roles.put(role.name(), role);
    return withRoles(policy, roles);
  }

  public static ClusterPolicy withoutRole(ClusterPolicy policy, String name) {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>(policy.roles());
    roles.remove(name);
    return withRoles(policy, roles);
  }

  private static ClusterPolicy withRoles(ClusterPolicy policy, Map<String, RoleDefinition> roles) {
    return new ClusterPolicy(
        policy.cluster(),
        roles,
        policy.allowedNamespaces(),
        policy.pendingTtl(),
        policy.credentials(),
        policy.subjectTemplate(),
        policy.protectedNamespaces(),
        policy.hostsLatchkey());
  }
}
