package dev.latchkey.core;

import java.util.List;
import java.util.regex.Pattern;

/** Where a role applies: the whole cluster, or a fixed set of namespaces. */
public sealed interface Scope {
  Pattern NAMESPACE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  int MAX_NAMESPACES = 20;

  /** A ClusterRoleBinding. */
  record Cluster() implements Scope {}

  /** One RoleBinding per namespace. */
  record Namespaces(List<String> names) implements Scope {
    public Namespaces {
      names = List.copyOf(names.stream().distinct().sorted().toList());
      if (names.isEmpty() || names.size() > MAX_NAMESPACES) {
        throw new IllegalArgumentException("between 1 and " + MAX_NAMESPACES + " namespaces");
      }
      for (String name : names) {
        if (!NAMESPACE.matcher(name).matches()) {
          throw new IllegalArgumentException("not a namespace name: " + name);
        }
      }
    }
  }

  Scope CLUSTER = new Cluster();

  static boolean isNamespaceName(String name) {
    return name != null && NAMESPACE.matcher(name).matches();
  }

  default String describe() {
    return switch (this) {
      case Cluster c -> "cluster-wide";
      case Namespaces n -> "namespaces " + String.join(", ", n.names());
    };
  }
}
