package dev.latchkey.bot.config;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customer;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Customers;
import dev.latchkey.core.Durations;
import dev.latchkey.core.RoleDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads latchkey.yml. Unknown keys are errors (a misspelt key in an access-control file must not
 * pass silently), and every error names the key, e.g. {@code
 * customers[0].clusters[1].roles.admin.approvals}.
 */
public final class ConfigLoader {
  // A key given twice would otherwise let the last value win silently (`approvals: 2` then
  // `approvals: 1`): in an access-control file that is an error, like an unknown key.
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private ConfigLoader() {}

  public static LatchkeyConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "Configuration file "
              + file.toAbsolutePath()
              + " does not exist. Copy "
              + "latchkey.example.yml to latchkey.yml (or set LATCHKEY_CONFIG) and edit it.");
    } catch (IOException e) {
      throw new ConfigException(
          "Configuration file " + file.toAbsolutePath() + " cannot be read: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public static LatchkeyConfig parse(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonParseException e) {
      Optional<String> duplicate = duplicateKey(e);
      if (duplicate.isPresent()) {
        throw new ConfigException(
            source
                + ": "
                + duplicate.get()
                + " is given twice (line "
                + e.getLocation().getLineNr()
                + "); keep one: a second value must not silently replace the first.");
      }
      throw new ConfigException(source + " is not valid YAML: " + firstLine(e.getMessage()));
    } catch (IOException e) {
      throw new ConfigException(source + " is not valid YAML: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(source + " must be a YAML mapping with a `customers` list.");
    }
    try {
      return new Reader(source).config(root);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source + ": " + e.getMessage());
    }
  }

  /**
   * The path of a key Jackson's duplicate detection refused, e.g. {@code timers.reconcileInterval}.
   */
  private static Optional<String> duplicateKey(JsonParseException e) {
    String message = e.getOriginalMessage();
    if (message == null || !message.startsWith("Duplicate field '")) {
      return Optional.empty();
    }
    String key = message.substring("Duplicate field '".length(), message.lastIndexOf('\''));
    StringBuilder path = new StringBuilder();
    if (e.getProcessor() instanceof JsonParser parser) {
      List<String> parts = new ArrayList<>();
      // The context is the mapping that holds the key twice; its parents lead to the root.
      for (JsonStreamContext c = parser.getParsingContext().getParent();
          c != null && !c.inRoot();
          c = c.getParent()) {
        parts.addFirst(c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
      }
      parts.forEach(path::append);
    }
    path.append('.').append(key);
    return Optional.of(path.charAt(0) == '.' ? path.substring(1) : path.toString());
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }

  /** Walks the tree keeping the path, so errors can name the key. */
  private record Reader(String source) {

    LatchkeyConfig config(JsonNode root) {
      allowOnly(root, "", "customers", "database", "audit", "timers");
      String databaseUrl = LatchkeyConfig.DEFAULT_DATABASE_URL;
      if (root.has("database")) {
        JsonNode db = object(root.get("database"), "database");
        allowOnly(db, "database", "url");
        databaseUrl = optionalText(db, "url", "database").orElse(databaseUrl);
        if (!databaseUrl.startsWith("jdbc:h2:") && !databaseUrl.startsWith("jdbc:postgresql:")) {
          throw fail(
              "database.url",
              "must be a jdbc:h2: or jdbc:postgresql: URL (credentials go in "
                  + "LATCHKEY_DB_USER and LATCHKEY_DB_PASSWORD, not here)");
        }
      }
      Optional<Path> auditFile = Optional.empty();
      if (root.has("audit")) {
        JsonNode audit = object(root.get("audit"), "audit");
        allowOnly(audit, "audit", "file");
        auditFile = optionalText(audit, "file", "audit").map(Path::of);
      }
      Duration reconcile = LatchkeyConfig.DEFAULT_RECONCILE_INTERVAL;
      if (root.has("timers")) {
        JsonNode timers = object(root.get("timers"), "timers");
        allowOnly(timers, "timers", "reconcileInterval");
        Optional<String> text = optionalText(timers, "reconcileInterval", "timers");
        if (text.isPresent()) {
          reconcile = seconds(text.get(), "timers.reconcileInterval");
        }
      }
      JsonNode list = root.get("customers");
      if (list == null || !list.isArray() || list.isEmpty()) {
        throw fail("customers", "is required: a list with at least one customer");
      }
      List<Customer> customers = new ArrayList<>();
      List<ClusterConnectionSettings> connections = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        customers.add(customer(list.get(i), "customers[" + i + "]", connections));
      }
      Customers all;
      try {
        all = Customers.of(customers);
      } catch (IllegalArgumentException e) {
        throw fail("customers", e.getMessage());
      }
      return new LatchkeyConfig(all, connections, databaseUrl, auditFile, reconcile);
    }

    Customer customer(JsonNode node, String path, List<ClusterConnectionSettings> connections) {
      object(node, path);
      allowOnly(node, path, "id", "slack", "clusters");
      String idText = requiredText(node, "id", path);
      CustomerId id = guard(path + ".id", () -> new CustomerId(idText));
      JsonNode slack = object(node.get("slack"), path + ".slack");
      allowOnly(slack, path + ".slack", "teamId", "channel", "approvers", "admins");
      String team =
          slackId(requiredText(slack, "teamId", path + ".slack"), path + ".slack.teamId", "T", "E");
      String channel =
          slackId(
              requiredText(slack, "channel", path + ".slack"), path + ".slack.channel", "C", "G");
      JsonNode approvers = object(slack.get("approvers"), path + ".slack.approvers");
      allowOnly(approvers, path + ".slack.approvers", "users", "userGroup");
      Set<String> approverIds = userIds(approvers.get("users"), path + ".slack.approvers.users");
      Optional<String> group =
          optionalText(approvers, "userGroup", path + ".slack.approvers")
              .map(g -> slackId(g, path + ".slack.approvers.userGroup", "S"));
      if (approverIds.isEmpty() && group.isEmpty()) {
        throw fail(
            path + ".slack.approvers",
            "needs `users` (Slack user ids) and/or a `userGroup` (S… id)");
      }
      Set<String> admins = userIds(slack.get("admins"), path + ".slack.admins");
      JsonNode clusters = node.get("clusters");
      if (clusters == null || !clusters.isArray() || clusters.isEmpty()) {
        throw fail(path + ".clusters", "is required: a list with at least one cluster");
      }
      Map<String, ClusterPolicy> policies = new LinkedHashMap<>();
      for (int i = 0; i < clusters.size(); i++) {
        String clusterPath = path + ".clusters[" + i + "]";
        ClusterPolicy policy = cluster(clusters.get(i), clusterPath, id, connections);
        if (policies.put(policy.cluster().name(), policy) != null) {
          throw fail(
              clusterPath + ".name", "cluster " + policy.cluster().name() + " is listed twice");
        }
      }
      return guard(
          path, () -> new Customer(id, team, channel, approverIds, group, admins, policies));
    }

    ClusterPolicy cluster(
        JsonNode node,
        String path,
        CustomerId customer,
        List<ClusterConnectionSettings> connections) {
      object(node, path);
      allowOnly(
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
          "roles");
      String name = requiredText(node, "name", path);
      ClusterRef ref = guard(path + ".name", () -> new ClusterRef(customer, name));
      boolean inCluster = node.has("inCluster") && bool(node.get("inCluster"), path + ".inCluster");
      Optional<Path> kubeconfig = optionalText(node, "kubeconfig", path).map(Path::of);
      if (inCluster == kubeconfig.isPresent()) {
        throw fail(path, "set exactly one of `kubeconfig: <file>` or `inCluster: true`");
      }
      Optional<String> context = optionalText(node, "context", path);
      Optional<String> supportServer = optionalText(node, "supportServer", path);
      supportServer.ifPresent(
          url -> {
            // Engineers' kubeconfigs carry a bearer token to this address: never in clear text.
            if (!url.startsWith("https://")) {
              throw fail(
                  path + ".supportServer",
                  "must be the https:// URL of the API server the vendor reaches");
            }
          });
      Optional<String> supportCa =
          optionalText(node, "supportCaFile", path)
              .map(file -> certificates(Path.of(file), path + ".supportCaFile"));
      if (supportCa.isPresent() && supportServer.isEmpty()) {
        throw fail(path + ".supportCaFile", "is the CA of supportServer: set supportServer too");
      }
      CredentialMode mode = CredentialMode.TOKEN;
      Optional<String> modeText = optionalText(node, "credentials", path);
      if (modeText.isPresent()) {
        mode =
            switch (modeText.get().toLowerCase(Locale.ROOT)) {
              case "token" -> CredentialMode.TOKEN;
              case "external" -> CredentialMode.EXTERNAL;
              default ->
                  throw fail(
                      path + ".credentials",
                      "must be `token` or `external` (got " + modeText.get() + ")");
            };
      }
      if (inCluster && mode == CredentialMode.TOKEN && supportServer.isEmpty()) {
        throw fail(
            path + ".supportServer",
            "is required with `inCluster: true` and token credentials: the "
                + "in-cluster address Latchkey uses is not one the vendor's engineers can reach");
      }
      String template =
          optionalText(node, "subjectTemplate", path)
              .orElse(ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE);
      Duration ttl =
          optionalText(node, "pendingTtl", path)
              .map(t -> duration(t, path + ".pendingTtl"))
              .orElse(ClusterPolicy.DEFAULT_PENDING_TTL);
      List<String> namespaces =
          new ArrayList<>(names(node.get("namespaces"), path + ".namespaces"));
      JsonNode roles = node.get("roles");
      Map<String, RoleDefinition> definitions = new LinkedHashMap<>();
      if (roles == null) {
        definitions.put(RoleDefinition.READONLY, RoleDefinition.builtIn(RoleDefinition.READONLY));
        definitions.put(RoleDefinition.OPERATOR, RoleDefinition.builtIn(RoleDefinition.OPERATOR));
      } else {
        object(roles, path + ".roles");
        Iterator<Map.Entry<String, JsonNode>> it = roles.fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> e = it.next();
          definitions.put(
              e.getKey(), role(e.getKey(), e.getValue(), path + ".roles." + e.getKey()));
        }
        if (definitions.isEmpty()) {
          throw fail(path + ".roles", "lists no role; leave it out for readonly and operator");
        }
      }
      CredentialMode credentials = mode;
      ClusterPolicy policy =
          guard(
              path,
              () -> new ClusterPolicy(ref, definitions, namespaces, ttl, credentials, template));
      connections.add(
          new ClusterConnectionSettings(
              ref, kubeconfig, context, inCluster, supportServer, supportCa));
      return policy;
    }

    /** A PEM file of certificates, base64-encoded as a kubeconfig's certificate-authority-data. */
    String certificates(Path file, String path) {
      String pem;
      try {
        pem =
            Files.readString(file, StandardCharsets.ISO_8859_1); // bundles may carry UTF-8 comments
      } catch (IOException | RuntimeException e) {
        throw fail(path, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
      }
      if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
        throw fail(path, file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
      }
      return Base64.getEncoder()
          .encodeToString(pem.strip().concat("\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    RoleDefinition role(String name, JsonNode node, String path) {
      if (node == null || node.isNull()) {
        node = YAML.createObjectNode();
      }
      object(node, path);
      allowOnly(node, path, "clusterRole", "description", "maxDuration", "approvals");
      boolean builtIn = RoleDefinition.isBuiltIn(name);
      RoleDefinition base = builtIn ? RoleDefinition.builtIn(name) : null;
      Optional<String> clusterRole = optionalText(node, "clusterRole", path);
      if (!builtIn && clusterRole.isEmpty()) {
        throw fail(
            path + ".clusterRole",
            "is required for custom role " + name + " (the existing ClusterRole it grants)");
      }
      if (builtIn && clusterRole.isPresent() && !clusterRole.get().equals(base.clusterRole())) {
        throw fail(
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
        throw fail(
            path + ".clusterRole",
            "custom role "
                + name
                + " grants "
                + clusterRole.get()
                + ": offer it as the built-in role `admin` (two approvals, or set its"
                + " `approvals`)");
      }
      String description =
          optionalText(node, "description", path)
              .orElse(builtIn ? base.description() : "ClusterRole " + clusterRole.get());
      Duration max =
          optionalText(node, "maxDuration", path)
              .map(t -> duration(t, path + ".maxDuration"))
              .orElse(RoleDefinition.DEFAULT_MAX_DURATION);
      int approvals = builtIn ? base.approvalsRequired() : 1;
      if (node.has("approvals")) {
        JsonNode a = node.get("approvals");
        if (!a.canConvertToInt() || !a.isIntegralNumber()) {
          throw fail(path + ".approvals", "must be a whole number between 1 and 5");
        }
        approvals = a.asInt();
      }
      String cr = clusterRole.orElse(builtIn ? base.clusterRole() : "");
      int required = approvals;
      return guard(path, () -> new RoleDefinition(name, cr, description, max, required));
    }

    // ------------------------------------------------------------ primitives

    JsonNode object(JsonNode node, String path) {
      if (node == null || node.isNull()) {
        throw fail(path, "is required");
      }
      if (!node.isObject()) {
        throw fail(path, "must be a mapping (key: value)");
      }
      return node;
    }

    void allowOnly(JsonNode node, String path, String... keys) {
      Set<String> allowed = Set.of(keys);
      Iterator<String> names = node.fieldNames();
      while (names.hasNext()) {
        String key = names.next();
        if (!allowed.contains(key)) {
          throw fail(
              path.isEmpty() ? key : path + "." + key,
              "is not a known key here; expected one of: " + String.join(", ", keys));
        }
      }
    }

    String requiredText(JsonNode node, String key, String path) {
      return optionalText(node, key, path).orElseThrow(() -> fail(join(path, key), "is required"));
    }

    Optional<String> optionalText(JsonNode node, String key, String path) {
      JsonNode value = node.get(key);
      if (value == null || value.isNull()) {
        return Optional.empty();
      }
      if (!value.isValueNode()) {
        throw fail(join(path, key), "must be a single value");
      }
      String text = value.asText().strip();
      return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    boolean bool(JsonNode node, String path) {
      if (!node.isBoolean()) {
        throw fail(path, "must be true or false");
      }
      return node.asBoolean();
    }

    Set<String> userIds(JsonNode node, String path) {
      Set<String> out = new LinkedHashSet<>();
      for (String id : names(node, path)) {
        out.add(slackId(id, path, "U", "W"));
      }
      return out;
    }

    List<String> names(JsonNode node, String path) {
      if (node == null || node.isNull()) {
        return List.of();
      }
      if (!node.isArray()) {
        throw fail(path, "must be a list");
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < node.size(); i++) {
        JsonNode item = node.get(i);
        if (!item.isTextual() || item.asText().isBlank()) {
          throw fail(path + "[" + i + "]", "must be a text value");
        }
        out.add(item.asText().strip());
      }
      return out;
    }

    String slackId(String id, String path, String... prefixes) {
      for (String prefix : prefixes) {
        if (id.startsWith(prefix) && id.matches("[A-Z0-9]{2,32}")) {
          return id;
        }
      }
      throw fail(
          path,
          "`"
              + id
              + "` is not a Slack id starting with "
              + String.join(" or ", prefixes)
              + " (copy it from the Slack profile or channel details)");
    }

    Duration duration(String text, String path) {
      return Durations.parse(text)
          .orElseThrow(() -> fail(path, "`" + text + "` is not a duration like 30m, 2h or 1h30m"));
    }

    Duration seconds(String text, String path) {
      if (text.matches("\\d{1,5}s")) {
        long s = Long.parseLong(text.substring(0, text.length() - 1));
        if (s > 0) {
          return Duration.ofSeconds(s);
        }
      }
      return Durations.parse(text)
          .orElseThrow(() -> fail(path, "`" + text + "` is not a duration like 60s, 5m or 1h"));
    }

    <T> T guard(String path, java.util.function.Supplier<T> make) {
      try {
        return make.get();
      } catch (IllegalArgumentException e) {
        throw fail(path, e.getMessage());
      }
    }

    ConfigException fail(String path, String problem) {
      return new ConfigException(source + ": " + path + " " + problem);
    }

    static String join(String path, String key) {
      return path.isEmpty() ? key : path + "." + key;
    }
  }
}
