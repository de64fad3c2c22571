package dev.latchkey.bot.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.latchkey.bot.slack.RefusalTexts;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Scope;
import dev.latchkey.core.rules.ReachRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Reads one cluster entry of latchkey.yml and its roles, recording every problem. */
final class ClusterReader {
  private final YamlFields f;

  ClusterReader(YamlFields f) {
    this.f = f;
  }

  /** The cluster's policy, or null when a part of it has a problem (each one recorded). */
  ClusterPolicy cluster(
      JsonNode node,
      String path,
      CustomerId customer,
      List<ClusterConnectionSettings> connections) {
    f.object(node, path);
    int before = f.count();
    f.allowOnly(
        node,
        path,
        "name",
        "kubeconfig",
        "context",
        "inCluster",
        "supportServer",
        "supportCaFile",
        "credentials",
        "subjectTemplate",
        "pendingTtl",
        "namespaces",
        "protectedNamespaces",
        "hostsLatchkey",
        "roles");
    Optional<ClusterRef> ref =
        f.attempt(
            () -> {
              String name = f.requiredText(node, "name", path);
              return f.guard(path + ".name", () -> new ClusterRef(customer, name));
            });
    boolean inCluster =
        node.has("inCluster")
            && f.attempt(() -> f.bool(node.get("inCluster"), path + ".inCluster")).orElse(false);
    Optional<Path> kubeconfig =
        f.attempt(
            () ->
                f.optionalText(node, "kubeconfig", path)
                    .map(k -> Path.of(f.notPlaceholder(k, path + ".kubeconfig")))
                    .orElse(null));
    boolean hasKubeconfig = node.hasNonNull("kubeconfig");
    if (inCluster == hasKubeconfig) {
      f.attempt(
          () -> {
            throw f.fail(path, "set exactly one of `kubeconfig: <file>` or `inCluster: true`");
          });
    }
    Optional<String> context = f.attempt(() -> f.optionalText(node, "context", path).orElse(null));
    Optional<String> supportServer =
        f.attempt(
            () ->
                f.optionalText(node, "supportServer", path)
                    .map(
                        url -> {
                          // Engineers' kubeconfigs carry a bearer token to this address: never
                          // in clear text.
                          if (!url.startsWith("https://")) {
                            throw f.fail(
                                path + ".supportServer",
                                "must be the https:// URL of the API server the vendor reaches");
                          }
                          return f.notPlaceholder(url, path + ".supportServer");
                        })
                    .orElse(null));
    Optional<String> supportCa =
        f.attempt(
            () ->
                f.optionalText(node, "supportCaFile", path)
                    .map(file -> f.certificates(Path.of(file), path + ".supportCaFile"))
                    .orElse(null));
    if (supportCa.isPresent() && !node.has("supportServer")) {
      f.attempt(
          () -> {
            throw f.fail(
                path + ".supportCaFile", "is the CA of supportServer: set supportServer too");
          });
    }
    CredentialMode mode = f.attempt(() -> credentials(node, path)).orElse(CredentialMode.TOKEN);
    if (inCluster && mode == CredentialMode.TOKEN && !node.has("supportServer")) {
      f.attempt(
          () -> {
            throw f.fail(
                path + ".supportServer",
                "is required with `inCluster: true` and token credentials: the in-cluster"
                    + " address Latchkey uses is not one the vendor's engineers can reach");
          });
    }
    String template =
        f.attempt(() -> f.optionalText(node, "subjectTemplate", path).orElse(null))
            .orElse(ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE);
    Duration ttl =
        f.attempt(
                () ->
                    f.optionalText(node, "pendingTtl", path)
                        .map(t -> f.duration(t, path + ".pendingTtl"))
                        .orElse(null))
            .orElse(ClusterPolicy.DEFAULT_PENDING_TTL);
    List<String> namespaces =
        f.attempt(() -> f.names(node.get("namespaces"), path + ".namespaces")).orElse(List.of());
    List<String> protectedNamespaces =
        f.attempt(
                () -> {
                  List<String> names =
                      f.names(node.get("protectedNamespaces"), path + ".protectedNamespaces");
                  for (String ns : names) {
                    if (!Scope.isNamespaceName(ns)) {
                      throw f.fail(
                          path + ".protectedNamespaces", "`" + ns + "` is not a namespace name");
                    }
                  }
                  return names;
                })
            .orElse(List.of());
    // Latchkey running in this cluster is what makes a role reaching pods a way to Latchkey itself;
    // a cluster reached through a kubeconfig can still be the one it runs in, hence the marker.
    boolean hostsLatchkey =
        node.has("hostsLatchkey")
            ? f.attempt(() -> f.bool(node.get("hostsLatchkey"), path + ".hostsLatchkey"))
                .orElse(true)
            : inCluster;
    if (inCluster && !hostsLatchkey) {
      f.attempt(
          () -> {
            throw f.fail(
                path + ".hostsLatchkey",
                "cannot be false with `inCluster: true`: Latchkey runs in the cluster it reaches"
                    + " in-cluster");
          });
    }
    Map<String, RoleDefinition> definitions = roles(node.get("roles"), path + ".roles");
    if (f.count() > before || ref.isEmpty()) {
      return null;
    }
    ClusterRef cluster = ref.get();
    CredentialMode credentials = mode;
    List<String> allowed = new ArrayList<>(namespaces);
    ClusterPolicy policy =
        f.guard(
            path,
            () ->
                new ClusterPolicy(
                    cluster,
                    definitions,
                    allowed,
                    ttl,
                    credentials,
                    template,
                    new java.util.LinkedHashSet<>(protectedNamespaces),
                    hostsLatchkey));
    for (RoleDefinition role : definitions.values()) {
      ReachRules.refusal(policy, role, ReachRules.knownReach(role))
          .ifPresent(
              refusal ->
                  f.attempt(
                      () -> {
                        throw f.fail(
                            path + ".roles." + role.name(),
                            RefusalTexts.text(RefusalTexts.Situation.SWITCH, refusal));
                      }));
    }
    if (f.count() > before) {
      return null;
    }
    connections.add(
        new ClusterConnectionSettings(
            cluster, kubeconfig, context, inCluster, supportServer, supportCa));
    return policy;
  }

  CredentialMode credentials(JsonNode node, String path) {
    Optional<String> text = f.optionalText(node, "credentials", path);
    if (text.isEmpty()) {
      return CredentialMode.TOKEN;
    }
    return switch (text.get().toLowerCase(Locale.ROOT)) {
      case "gateway" -> CredentialMode.GATEWAY;
      case "token" -> CredentialMode.TOKEN;
      case "external" -> CredentialMode.EXTERNAL;
      default ->
          throw f.fail(
              path + ".credentials",
              "must be `gateway`, `token` or `external` (got " + text.get() + ")");
    };
  }

  Map<String, RoleDefinition> roles(JsonNode roles, String path) {
    Map<String, RoleDefinition> definitions = new LinkedHashMap<>();
    if (roles == null) {
      definitions.put(RoleDefinition.READONLY, RoleDefinition.builtIn(RoleDefinition.READONLY));
      definitions.put(RoleDefinition.OPERATOR, RoleDefinition.builtIn(RoleDefinition.OPERATOR));
      return definitions;
    }
    if (f.attempt(() -> f.object(roles, path)).isEmpty()) {
      return definitions;
    }
    Iterator<Map.Entry<String, JsonNode>> it = roles.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      f.attempt(() -> role(e.getKey(), e.getValue(), path + "." + e.getKey()))
          .ifPresent(role -> definitions.put(e.getKey(), role));
    }
    if (!roles.fields().hasNext()) {
      f.attempt(
          () -> {
            throw f.fail(path, "lists no role; leave it out for readonly and operator");
          });
    }
    return definitions;
  }

  RoleDefinition role(String name, JsonNode given, String path) {
    JsonNode node = given == null || given.isNull() ? JsonNodeFactory.instance.objectNode() : given;
    f.object(node, path);
    f.allowOnly(node, path, "clusterRole", "description", "maxDuration", "approvals", "scope");
    boolean builtIn = RoleDefinition.isBuiltIn(name);
    RoleDefinition base = builtIn ? RoleDefinition.builtIn(name) : null;
    Optional<String> clusterRole = f.optionalText(node, "clusterRole", path);
    if (!builtIn && clusterRole.isEmpty()) {
      throw f.fail(
          path + ".clusterRole",
          "is required for custom role " + name + " (the existing ClusterRole it grants)");
    }
    if (builtIn && clusterRole.isPresent() && !clusterRole.get().equals(base.clusterRole())) {
      throw f.fail(
          path + ".clusterRole",
          "built-in role "
              + name
              + " always grants "
              + base.clusterRole()
              + "; define a custom role under another name instead");
    }
    if (!builtIn
        && clusterRole.get().equals(RoleDefinition.builtIn(RoleDefinition.ADMIN).clusterRole())) {
      // A second name for admin would grant it with one approval, past the two the built-in role
      // asks.
      throw f.fail(
          path + ".clusterRole",
          "custom role "
              + name
              + " grants "
              + clusterRole.get()
              + ": offer it as the built-in role `admin` (two approvals, or set its"
              + " `approvals`)");
    }
    String description =
        f.optionalText(node, "description", path)
            .orElse(builtIn ? base.description() : "ClusterRole " + clusterRole.get());
    Duration max =
        f.optionalText(node, "maxDuration", path)
            .map(t -> f.duration(t, path + ".maxDuration"))
            .orElse(RoleDefinition.DEFAULT_MAX_DURATION);
    int approvals = builtIn ? base.approvalsRequired() : 1;
    if (node.has("approvals")) {
      JsonNode a = node.get("approvals");
      if (!a.canConvertToInt() || !a.isIntegralNumber()) {
        throw f.fail(path + ".approvals", "must be a whole number between 1 and 5");
      }
      approvals = a.asInt();
    }
    boolean namespacedOnly =
        switch (f.optionalText(node, "scope", path).orElse("any").toLowerCase(Locale.ROOT)) {
          case "any" -> false;
          case "namespaced" -> true;
          default ->
              throw f.fail(
                  path + ".scope",
                  "must be `namespaced` (granted only in named namespaces) or `any` (got "
                      + node.get("scope").asText()
                      + ")");
        };
    String cr = clusterRole.orElse(builtIn ? base.clusterRole() : "");
    int required = approvals;
    return f.guard(
        path, () -> new RoleDefinition(name, cr, description, max, required, namespacedOnly));
  }
}
