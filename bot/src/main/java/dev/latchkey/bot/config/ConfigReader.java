package dev.latchkey.bot.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.Customer;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Customers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Walks latchkey.yml's tree keeping the path, so every problem names its key, and reads on past a
 * problem so that all of them are recorded (in {@link YamlFields}); clusters are read by {@link
 * ClusterReader}.
 */
final class ConfigReader {
  private final YamlFields f;
  private final ClusterReader clusterReader;

  ConfigReader(YamlFields f) {
    this.f = f;
    this.clusterReader = new ClusterReader(f);
  }

  Optional<LatchkeyConfig> config(JsonNode root) {
    f.allowOnly(root, "", "customers", "database", "audit", "timers");
    String databaseUrl =
        f.attempt(() -> databaseUrl(root)).orElse(LatchkeyConfig.DEFAULT_DATABASE_URL);
    Optional<Path> auditFile = Optional.empty();
    if (root.has("audit")) {
      auditFile =
          f.attempt(
              () -> {
                JsonNode audit = f.object(root.get("audit"), "audit");
                f.allowOnly(audit, "audit", "file");
                return f.optionalText(audit, "file", "audit").map(Path::of).orElse(null);
              });
    }
    Duration reconcile =
        f.attempt(() -> reconcileInterval(root)).orElse(LatchkeyConfig.DEFAULT_RECONCILE_INTERVAL);
    JsonNode list = root.get("customers");
    if (list == null || !list.isArray() || list.isEmpty()) {
      f.attempt(
          () -> {
            throw f.fail("customers", "is required: a list with at least one customer");
          });
      return Optional.empty();
    }
    List<Customer> customers = new ArrayList<>();
    List<ClusterConnectionSettings> connections = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "customers[" + i + "]";
      JsonNode node = list.get(i);
      f.attempt(() -> customer(node, path, connections)).ifPresent(customers::add);
    }
    if (f.count() > 0) {
      return Optional.empty();
    }
    Customers all =
        f.attempt(() -> f.guard("customers", () -> Customers.of(customers))).orElse(null);
    if (all == null) {
      return Optional.empty();
    }
    return Optional.of(new LatchkeyConfig(all, connections, databaseUrl, auditFile, reconcile));
  }

  String databaseUrl(JsonNode root) {
    if (!root.has("database")) {
      return LatchkeyConfig.DEFAULT_DATABASE_URL;
    }
    JsonNode db = f.object(root.get("database"), "database");
    f.allowOnly(db, "database", "url");
    String url = f.optionalText(db, "url", "database").orElse(LatchkeyConfig.DEFAULT_DATABASE_URL);
    if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
      throw f.fail(
          "database.url",
          "must be a jdbc:h2: or jdbc:postgresql: URL (credentials go in "
              + "LATCHKEY_DB_USER and LATCHKEY_DB_PASSWORD, not here)");
    }
    return url;
  }

  Duration reconcileInterval(JsonNode root) {
    if (!root.has("timers")) {
      return LatchkeyConfig.DEFAULT_RECONCILE_INTERVAL;
    }
    JsonNode timers = f.object(root.get("timers"), "timers");
    f.allowOnly(timers, "timers", "reconcileInterval");
    return f.optionalText(timers, "reconcileInterval", "timers")
        .map(text -> f.seconds(text, "timers.reconcileInterval"))
        .orElse(LatchkeyConfig.DEFAULT_RECONCILE_INTERVAL);
  }

  /** The customer, or null when a part of it has a problem (each one recorded). */
  Customer customer(JsonNode node, String path, List<ClusterConnectionSettings> connections) {
    f.object(node, path);
    int before = f.count();
    f.allowOnly(node, path, "id", "slack", "clusters");
    Optional<CustomerId> id =
        f.attempt(
            () -> {
              String idText = f.requiredText(node, "id", path);
              return f.guard(path + ".id", () -> new CustomerId(idText));
            });
    String slackPath = path + ".slack";
    JsonNode slack = f.attempt(() -> f.object(node.get("slack"), slackPath)).orElse(null);
    Optional<String> team = Optional.empty();
    Optional<String> channel = Optional.empty();
    Set<String> approverIds = Set.of();
    Optional<String> group = Optional.empty();
    Set<String> admins = Set.of();
    if (slack != null) {
      f.allowOnly(slack, slackPath, "teamId", "channel", "approvers", "admins");
      team =
          f.attempt(
              () ->
                  f.slackId(
                      f.requiredText(slack, "teamId", slackPath), slackPath + ".teamId", "T", "E"));
      channel =
          f.attempt(
              () ->
                  f.slackId(
                      f.requiredText(slack, "channel", slackPath),
                      slackPath + ".channel",
                      "C",
                      "G"));
      String approversPath = slackPath + ".approvers";
      JsonNode approvers =
          f.attempt(() -> f.object(slack.get("approvers"), approversPath)).orElse(null);
      if (approvers != null) {
        f.allowOnly(approvers, approversPath, "users", "userGroup");
        approverIds =
            f.attempt(() -> f.userIds(approvers.get("users"), approversPath + ".users"))
                .orElse(Set.of());
        group =
            f.attempt(
                () ->
                    f.optionalText(approvers, "userGroup", approversPath)
                        .map(g -> f.slackId(g, approversPath + ".userGroup", "S"))
                        .orElse(null));
        if (approverIds.isEmpty() && group.isEmpty() && f.count() == before) {
          f.attempt(
              () -> {
                throw f.fail(
                    approversPath, "needs `users` (Slack user ids) and/or a `userGroup` (S… id)");
              });
        }
      }
      admins =
          f.attempt(() -> f.userIds(slack.get("admins"), slackPath + ".admins")).orElse(Set.of());
    }
    JsonNode clusters = node.get("clusters");
    Map<String, ClusterPolicy> policies = new LinkedHashMap<>();
    if (clusters == null || !clusters.isArray() || clusters.isEmpty()) {
      f.attempt(
          () -> {
            throw f.fail(path + ".clusters", "is required: a list with at least one cluster");
          });
    } else {
      CustomerId owner = id.orElse(new CustomerId("unnamed"));
      for (int i = 0; i < clusters.size(); i++) {
        String clusterPath = path + ".clusters[" + i + "]";
        JsonNode cluster = clusters.get(i);
        Optional<ClusterPolicy> policy =
            f.attempt(() -> clusterReader.cluster(cluster, clusterPath, owner, connections));
        if (policy.isPresent()
            && policies.put(policy.get().cluster().name(), policy.get()) != null) {
          f.attempt(
              () -> {
                throw f.fail(
                    clusterPath + ".name",
                    "cluster " + policy.get().cluster().name() + " is listed twice");
              });
        }
      }
    }
    if (f.count() > before) {
      return null;
    }
    CustomerId customerId = id.orElseThrow();
    String teamId = team.orElseThrow();
    String channelId = channel.orElseThrow();
    Set<String> approverSet = approverIds;
    Optional<String> approverGroup = group;
    Set<String> adminSet = admins;
    return f.guard(
        path,
        () ->
            new Customer(
                customerId, teamId, channelId, approverSet, approverGroup, adminSet, policies));
  }
}
