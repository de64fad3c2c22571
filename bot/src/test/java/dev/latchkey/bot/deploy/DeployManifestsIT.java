package dev.latchkey.bot.deploy;

import static dev.latchkey.bot.deploy.DeployManifestsTest.listedDocuments;
import static dev.latchkey.bot.deploy.DeployManifestsTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every object that deploy/kustomization.yaml lists (and deploy/secret.example.yaml), sent to a
 * real API server (LATCHKEY_IT_KUBECONFIG, an admin kubeconfig), which must accept it. So that
 * tests sharing the server do not clash, nothing is created under its own name: each Namespace is
 * created with a unique suffix and the namespaced objects go into those fresh namespaces;
 * cluster-scoped objects get the suffix too and are sent as a server-side dry run (validated and
 * admitted like a real create, never stored). Binding subjects and role references are rewritten to
 * match.
 *
 * <p>Kubernetes before 1.25 drops unknown fields without a word, so a misspelt key
 * (readOnlyRootFileSystem) would pass creation: every object the server returns is also compared
 * with what was sent, and any field it did not keep fails the test.
 */
class DeployManifestsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static KubernetesClient client;
  private static String suffix;

  /** Namespaces this test created (fresh names), deleted afterwards. */
  private static final List<String> createdNamespaces = new ArrayList<>();

  /** Namespaced objects created, so their finalizers can be cleared before their namespace goes. */
  private static final List<GenericKubernetesResource> createdObjects = new ArrayList<>();

  @BeforeAll
  static void connect() throws IOException {
    String kubeconfig = System.getenv("LATCHKEY_IT_KUBECONFIG");
    Assumptions.assumeTrue(
        kubeconfig != null && !kubeconfig.isBlank(),
        "LATCHKEY_IT_KUBECONFIG is not set: deploy/ is not checked against a real API server");
    Config config = Config.fromKubeconfig(Files.readString(Path.of(kubeconfig)));
    client =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
    suffix = "it-" + randomSuffix();
  }

  @AfterAll
  static void cleanUp() {
    if (client == null) {
      return;
    }
    try {
      // The kit runs no PVC-protection controller: without this a claim's finalizer would hold its
      // namespace
      // in Terminating for ever.
      for (GenericKubernetesResource object : createdObjects) {
        try {
          client
              .genericKubernetesResources(object.getApiVersion(), object.getKind())
              .inNamespace(object.getMetadata().getNamespace())
              .withName(object.getMetadata().getName())
              .edit(
                  o -> {
                    o.getMetadata().setFinalizers(new ArrayList<>());
                    return o;
                  });
        } catch (KubernetesClientException e) {
          // already gone
        }
      }
      // Names are unique per run, so nothing waits for the namespaces' deletion to finish.
      for (String namespace : createdNamespaces) {
        client.namespaces().withName(namespace).delete();
      }
    } finally {
      client.close();
    }
  }

  @Test
  void everyListedObjectIsAcceptedByTheApiServerWithEveryFieldKept() throws IOException {
    // The listed objects, and the Secret example (not listed, but what users copy must be valid
    // too).
    List<Map.Entry<String, JsonNode>> documents = new ArrayList<>(listedDocuments());
    DeployManifestsTest.documents(
            DeployManifestsTest.deployDir().resolve(DeployManifestsTest.SECRET_EXAMPLE))
        .forEach(doc -> documents.add(Map.entry(DeployManifestsTest.SECRET_EXAMPLE, doc)));
    Map<String, String> namespaces = new LinkedHashMap<>(); // name in the manifests -> fresh name
    Map<String, String> clusterNames =
        new LinkedHashMap<>(); // "Kind/name" of cluster-scoped -> fresh name
    for (Map.Entry<String, JsonNode> e : documents) {
      JsonNode doc = e.getValue();
      String name = text(doc.path("metadata"), "name");
      if (text(doc, "kind").equals("Namespace")) {
        namespaces.put(name, name + "-" + suffix);
      } else if (!scope(doc).namespaced()) {
        clusterNames.put(text(doc, "kind") + "/" + name, name + "-" + suffix);
      }
    }

    List<String> problems = new ArrayList<>();
    int sent = 0;
    // Namespaces first (the kustomization lists them first too; kubectl orders them first anyway).
    List<Map.Entry<String, JsonNode>> ordered = new ArrayList<>(documents);
    ordered.sort(
        (a, b) ->
            Boolean.compare(
                !text(a.getValue(), "kind").equals("Namespace"),
                !text(b.getValue(), "kind").equals("Namespace")));
    for (Map.Entry<String, JsonNode> e : ordered) {
      ObjectNode doc = e.getValue().deepCopy();
      String what =
          text(doc, "kind") + " " + text(doc.path("metadata"), "name") + " (" + e.getKey() + ")";
      Scope scope = scope(doc);
      rewrite(doc, scope, namespaces, clusterNames);
      GenericKubernetesResource object =
          client
              .getKubernetesSerialization()
              .unmarshal(JSON.writeValueAsString(doc), GenericKubernetesResource.class);
      var resources = client.genericKubernetesResources(text(doc, "apiVersion"), text(doc, "kind"));
      GenericKubernetesResource returned;
      try {
        if (text(doc, "kind").equals("Namespace")) {
          returned = resources.resource(object).create();
          createdNamespaces.add(returned.getMetadata().getName());
        } else if (scope.namespaced()) {
          returned =
              resources
                  .inNamespace(text(doc.path("metadata"), "namespace"))
                  .resource(object)
                  .create();
          createdObjects.add(returned);
        } else {
          returned = resources.resource(object).dryRun().create();
        }
      } catch (KubernetesClientException ex) {
        problems.add(
            what
                + " was refused: HTTP "
                + ex.getCode()
                + " "
                + (ex.getStatus() != null && ex.getStatus().getMessage() != null
                    ? ex.getStatus().getMessage()
                    : ex.getMessage()));
        continue;
      }
      sent++;
      JsonNode stored = JSON.readTree(client.getKubernetesSerialization().asJson(returned));
      dropped(asStored(doc), stored, "", problems, what);
    }
    assertThat(problems).as("objects of deploy/ the API server refused or changed").isEmpty();
    assertThat(sent).isEqualTo(documents.size());
    assertThat(createdNamespaces).hasSize(namespaces.size());
  }

  private record Scope(boolean namespaced) {}

  /**
   * Whether the server serves this apiVersion and kind, and whether it is namespaced (API
   * discovery).
   */
  private static Scope scope(JsonNode doc) {
    String apiVersion = text(doc, "apiVersion");
    String kind = text(doc, "kind");
    APIResourceList list;
    try {
      list = client.getApiResources(apiVersion);
    } catch (KubernetesClientException e) {
      throw new AssertionError(
          apiVersion + " is not served by the API server: " + e.getMessage(), e);
    }
    assertThat(list).as("%s is served by the API server", apiVersion).isNotNull();
    Optional<APIResource> resource =
        list.getResources().stream()
            .filter(r -> r.getKind().equals(kind) && !r.getName().contains("/"))
            .findFirst();
    assertThat(resource).as("%s %s is served by the API server", apiVersion, kind).isPresent();
    return new Scope(resource.get().getNamespaced());
  }

  /**
   * Moves the object to the fresh names: its own, its namespace, its binding subjects and role
   * reference.
   */
  private static void rewrite(
      ObjectNode doc,
      Scope scope,
      Map<String, String> namespaces,
      Map<String, String> clusterNames) {
    ObjectNode metadata = (ObjectNode) doc.get("metadata");
    String kind = text(doc, "kind");
    String name = text(metadata, "name");
    if (kind.equals("Namespace")) {
      metadata.put("name", namespaces.get(name));
    } else if (scope.namespaced()) {
      String namespace = text(metadata, "namespace");
      assertThat(namespaces)
          .as("%s %s names a namespace the manifests create", kind, name)
          .containsKey(namespace);
      metadata.put("namespace", namespaces.get(namespace));
    } else {
      metadata.put("name", clusterNames.get(kind + "/" + name));
    }
    for (JsonNode subject : doc.path("subjects")) {
      if (subject.has("namespace")) {
        ((ObjectNode) subject)
            .put(
                "namespace",
                namespaces.getOrDefault(text(subject, "namespace"), text(subject, "namespace")));
      }
    }
    JsonNode roleRef = doc.path("roleRef");
    if (roleRef.isObject() && text(roleRef, "kind").equals("ClusterRole")) {
      String renamed = clusterNames.get("ClusterRole/" + text(roleRef, "name"));
      if (renamed != null) {
        ((ObjectNode) roleRef).put("name", renamed);
      }
    }
  }

  /** A Secret's stringData is write-only: the server stores it, base64-encoded, under data. */
  private static JsonNode asStored(ObjectNode sent) {
    if (!text(sent, "kind").equals("Secret") || !sent.has("stringData")) {
      return sent;
    }
    ObjectNode copy = sent.deepCopy();
    ObjectNode data = copy.has("data") ? (ObjectNode) copy.get("data") : copy.putObject("data");
    copy.remove("stringData")
        .properties()
        .forEach(
            e ->
                data.put(
                    e.getKey(),
                    Base64.getEncoder()
                        .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
    return copy;
  }

  /**
   * Records every field of {@code sent} that {@code stored} lacks or holds with another value. The
   * server may add fields (defaults, metadata) but must keep each one that was sent.
   */
  private static void dropped(
      JsonNode sent, JsonNode stored, String path, List<String> problems, String what) {
    if (sent.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = sent.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String at = path + "." + f.getKey();
        JsonNode value = f.getValue();
        if (!stored.has(f.getKey()) || stored.get(f.getKey()).isNull()) {
          if (!(value.isNull() || (value.isContainerNode() && value.isEmpty()))) {
            problems.add(what + ": the server dropped " + at + " (unknown or misplaced field?)");
          }
          continue;
        }
        dropped(value, stored.get(f.getKey()), at, problems, what);
      }
    } else if (sent.isArray()) {
      if (!stored.isArray() || stored.size() != sent.size()) {
        problems.add(
            what
                + ": "
                + path
                + " has "
                + sent.size()
                + " items, the server kept "
                + (stored.isArray() ? stored.size() : stored.getNodeType()));
        return;
      }
      for (int i = 0; i < sent.size(); i++) {
        dropped(sent.get(i), stored.get(i), path + "[" + i + "]", problems, what);
      }
    } else if (!sent.asText().equals(stored.asText())) {
      problems.add(what + ": " + path + " was sent as " + sent + " and stored as " + stored);
    }
  }

  private static String randomSuffix() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    SecureRandom random = new SecureRandom();
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }
}
