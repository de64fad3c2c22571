package dev.latchkey.bot.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The deploy/ manifests and the Dockerfile, checked without a cluster or a container engine: they
 * parse, the kustomization lists every manifest, the Deployment is hardened and wired to the
 * objects the other files define, the shipped configuration loads, and the Dockerfile copies only
 * what exists and runs the jar the build produces. {@link DeployManifestsIT} sends the same objects
 * to a real API server.
 */
class DeployManifestsTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final String SECRET_EXAMPLE = "secret.example.yaml";
  static final String KUSTOMIZATION = "kustomization.yaml";

  /** The image deploy/ names until the user points it at their registry. */
  static final String IMAGE = "registry.example.com/latchkey";

  /** An image tag of Latchkey's written in a text: {@code <registry>/latchkey:<tag>}. */
  private static final java.util.regex.Pattern TAG =
      java.util.regex.Pattern.compile("/latchkey:([0-9][0-9A-Za-z._+-]*)");

  /** Where in-cluster clients (fabric8's among them) read the token, CA and namespace. */
  static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

  /** The kinds in our manifests that are not namespaced; anything else must name its namespace. */
  static final Set<String> CLUSTER_SCOPED_KINDS =
      Set.of(
          "Namespace",
          "ClusterRole",
          "ClusterRoleBinding",
          "PersistentVolume",
          "StorageClass",
          "CustomResourceDefinition",
          "PriorityClass");

  // ------------------------------------------------------------------------------------- manifests

  @Test
  void everyManifestParsesAndEveryDocumentNamesItsObject() {
    List<Path> files = yamlFilesIn(deployDir());
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      if (file.getFileName().toString().equals(KUSTOMIZATION)) {
        continue;
      }
      List<JsonNode> docs = documents(file);
      assertThat(docs).as("%s holds no object", file).isNotEmpty();
      for (JsonNode doc : docs) {
        assertThat(doc.isObject()).as("a document of %s is not a mapping", file).isTrue();
        assertThat(text(doc, "apiVersion")).as("apiVersion in %s", file).isNotBlank();
        assertThat(text(doc, "kind")).as("kind in %s", file).isNotBlank();
        assertThat(text(doc.path("metadata"), "name"))
            .as("metadata.name of a %s in %s", text(doc, "kind"), file)
            .isNotBlank();
      }
    }
  }

  @Test
  void kustomizationListsEveryManifestButTheSecretExample() {
    JsonNode kustomization = documents(deployDir().resolve(KUSTOMIZATION)).getFirst();
    assertThat(text(kustomization, "kind")).isEqualTo("Kustomization");
    List<String> listed = listedFileNames();
    assertThat(listed).doesNotHaveDuplicates().doesNotContain(SECRET_EXAMPLE);
    Set<String> present =
        yamlFilesIn(deployDir()).stream()
            .map(p -> p.getFileName().toString())
            .filter(n -> !n.equals(KUSTOMIZATION) && !n.equals(SECRET_EXAMPLE))
            .collect(Collectors.toCollection(LinkedHashSet::new));
    assertThat(listed)
        .as("kustomization.yaml resources")
        .containsExactlyInAnyOrderElementsOf(present);
    assertThat(listed)
        .contains(
            "namespace.yaml",
            "rbac.yaml",
            "catalogue.yaml",
            "config.yaml",
            "deployment.yaml",
            "service.yaml",
            "pvc.yaml");
  }

  @Test
  void namespacedObjectsLiveInNamespacesTheManifestsCreate() {
    Set<String> namespaces = namespacesDefined();
    assertThat(namespaces).contains("latchkey", "latchkey-grants");
    for (Map.Entry<String, JsonNode> e : listedDocuments()) {
      JsonNode doc = e.getValue();
      String what =
          text(doc, "kind") + " " + text(doc.path("metadata"), "name") + " in " + e.getKey();
      if (CLUSTER_SCOPED_KINDS.contains(text(doc, "kind"))) {
        assertThat(doc.path("metadata").has("namespace"))
            .as("%s is cluster-scoped: no namespace", what)
            .isFalse();
      } else {
        assertThat(text(doc.path("metadata"), "namespace"))
            .as("namespace of %s", what)
            .isIn(namespaces);
      }
      for (JsonNode subject : doc.path("subjects")) {
        if (subject.has("namespace")) {
          assertThat(text(subject, "namespace"))
              .as("subject namespace of %s", what)
              .isIn(namespaces);
        }
      }
    }
  }

  @Test
  void everyObjectCarriesTheLatchkeyLabels() {
    for (Map.Entry<String, JsonNode> e : allDocuments()) {
      JsonNode labels = e.getValue().path("metadata").path("labels");
      String what =
          text(e.getValue(), "kind")
              + " "
              + text(e.getValue().path("metadata"), "name")
              + " in "
              + e.getKey();
      assertThat(text(labels, "app.kubernetes.io/part-of"))
          .as("part-of label of %s", what)
          .isEqualTo("latchkey");
      // The catalogue's roles are for the support engineers, not objects of the Latchkey
      // application.
      if (!e.getKey().equals("catalogue.yaml")) {
        assertThat(text(labels, "app.kubernetes.io/name"))
            .as("name label of %s", what)
            .isEqualTo("latchkey");
      }
    }
  }

  @Test
  void deploymentRunsOneHardenedReplicaAsLatchkeysServiceAccount() {
    JsonNode deployment = only("Deployment");
    JsonNode spec = deployment.path("spec");
    assertThat(spec.path("replicas").asInt()).isEqualTo(1);
    assertThat(text(spec.path("strategy"), "type"))
        .as("H2 allows one process: Recreate")
        .isEqualTo("Recreate");
    JsonNode pod = spec.path("template").path("spec");
    assertThat(text(pod, "serviceAccountName")).isEqualTo("latchkey");
    assertThat(find("ServiceAccount", "latchkey", text(deployment.path("metadata"), "namespace")))
        .as("ServiceAccount latchkey in the Deployment's namespace")
        .isPresent();
    assertShortLivedProjectedToken(pod, onlyContainer());
    JsonNode selector = spec.path("selector").path("matchLabels");
    assertThat(selector.isEmpty()).isFalse();
    selector
        .properties()
        .forEach(
            l ->
                assertThat(text(spec.path("template").path("metadata").path("labels"), l.getKey()))
                    .as("pod label %s", l.getKey())
                    .isEqualTo(l.getValue().asText()));

    JsonNode container = onlyContainer();
    JsonNode podSecurity = pod.path("securityContext");
    JsonNode security = container.path("securityContext");
    assertThat(
            podSecurity.path("runAsNonRoot").asBoolean()
                || security.path("runAsNonRoot").asBoolean())
        .as("runAsNonRoot")
        .isTrue();
    assertThat(security.path("readOnlyRootFilesystem").asBoolean())
        .as("readOnlyRootFilesystem")
        .isTrue();
    assertThat(
            security.path("allowPrivilegeEscalation").isBoolean()
                && !security.path("allowPrivilegeEscalation").asBoolean())
        .as("allowPrivilegeEscalation: false")
        .isTrue();
    assertThat(strings(security.path("capabilities").path("drop")))
        .as("capabilities dropped")
        .containsExactly("ALL");
    assertThat(strings(security.path("capabilities").path("add")))
        .as("capabilities added")
        .isEmpty();
    assertThat(
            text(security.path("seccompProfile"), "type").isEmpty()
                ? text(podSecurity.path("seccompProfile"), "type")
                : text(security.path("seccompProfile"), "type"))
        .isEqualTo("RuntimeDefault");
  }

  // ------------------------------------------------------------------------------------- the image

  /**
   * One version, the pom's: the image the Deployment runs, the kustomization's image entry, and
   * every image tag the README and the Dockerfile show follow it.
   */
  @Test
  void theImageTagIsThePomVersionWhereverItIsWritten() throws IOException {
    String version = child(pom(repoRoot().resolve("pom.xml")), "version").getTextContent().strip();
    assertThat(version).isNotBlank();
    String image = IMAGE + ":" + version;

    assertThat(text(onlyContainer(), "image")).isEqualTo(image);
    JsonNode kustomization = documents(deployDir().resolve(KUSTOMIZATION)).getFirst();
    assertThat(kustomization.path("images"))
        .as("kustomization.yaml images")
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(text(entry, "name")).isEqualTo(IMAGE);
              assertThat(text(entry, "newTag")).isEqualTo(version);
            });
    for (String file : List.of("README.md", "Dockerfile")) {
      List<String> tags =
          TAG.matcher(Files.readString(repoRoot().resolve(file)))
              .results()
              .map(m -> m.group(1))
              .toList();
      assertThat(tags).as("image tags in %s", file).isNotEmpty().containsOnly(version);
    }
  }

  /**
   * Latchkey's own token: not the one Kubernetes mounts (3607 s, which API servers stretch to a
   * year), but a projected one of 10 minutes where in-cluster clients look for it, with the
   * cluster's CA and the namespace beside it.
   */
  private static void assertShortLivedProjectedToken(JsonNode pod, JsonNode container) {
    assertThat(pod.path("automountServiceAccountToken").isBoolean())
        .as("automountServiceAccountToken is set")
        .isTrue();
    assertThat(pod.path("automountServiceAccountToken").asBoolean())
        .as("no automounted token")
        .isFalse();
    JsonNode projected = volumeFor(container, SERVICE_ACCOUNT_DIR).path("projected");
    assertThat(mountFor(container, SERVICE_ACCOUNT_DIR).path("readOnly").asBoolean()).isTrue();
    List<JsonNode> sources =
        StreamSupport.stream(projected.path("sources").spliterator(), false).toList();
    JsonNode token =
        sources.stream()
            .map(s -> s.path("serviceAccountToken"))
            .filter(JsonNode::isObject)
            .collect(
                Collectors.collectingAndThen(
                    Collectors.toList(),
                    l -> {
                      assertThat(l).as("one serviceAccountToken source").hasSize(1);
                      return l.getFirst();
                    }));
    assertThat(text(token, "path")).isEqualTo("token");
    assertThat(text(token, "audience")).as("the API server's own audience").isEmpty();
    assertThat(token.path("expirationSeconds").asLong())
        .as("Kubernetes' shortest token; never 3607, which API servers extend to a year")
        .isEqualTo(600);
    assertThat(sources)
        .as("the cluster's CA as ca.crt")
        .anySatisfy(
            s -> {
              assertThat(text(s.path("configMap"), "name")).isEqualTo("kube-root-ca.crt");
              assertThat(s.path("configMap").path("items"))
                  .singleElement()
                  .satisfies(
                      i -> {
                        assertThat(text(i, "key")).isEqualTo("ca.crt");
                        assertThat(text(i, "path")).isEqualTo("ca.crt");
                      });
            });
    assertThat(sources)
        .as("the namespace, from the downward API")
        .anySatisfy(
            s ->
                assertThat(s.path("downwardAPI").path("items"))
                    .singleElement()
                    .satisfies(
                        i -> {
                          assertThat(text(i, "path")).isEqualTo("namespace");
                          assertThat(text(i.path("fieldRef"), "fieldPath"))
                              .isEqualTo("metadata.namespace");
                        }));
  }

  @Test
  void deploymentProbesResourcesVolumesAndSecretsFitTogether() {
    JsonNode container = onlyContainer();
    assertThat(container.path("livenessProbe").path("httpGet").path("path").asText())
        .isEqualTo("/healthz");
    assertThat(container.path("readinessProbe").path("httpGet").path("path").asText())
        .isEqualTo("/readyz");
    assertThat(container.path("startupProbe").path("httpGet").path("path").asText())
        .isEqualTo("/healthz");
    int port = containerPort(container, "http");
    assertThat(port).isEqualTo(3000);
    int management = containerPort(container, "management");
    assertThat(management).isEqualTo(9090);
    for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
      JsonNode p = container.path(probe).path("httpGet").path("port");
      assertThat(p.isInt() ? p.asInt() : containerPort(container, p.asText()))
          .as("%s port: the management port, where the health paths are", probe)
          .isEqualTo(management);
    }
    assertThat(env(container, "PORT").path("value").asText("3000")).isEqualTo(String.valueOf(port));
    assertThat(env(container, "MANAGEMENT_PORT").path("value").asText("9090"))
        .isEqualTo(String.valueOf(management));
    assertThat(env(container, "MANAGEMENT_ADDRESS").path("value").asText())
        .as("the kubelet's probes do not come from the pod's loopback")
        .isEqualTo("0.0.0.0");
    assertThat(
            only("Deployment")
                .path("spec")
                .path("template")
                .path("metadata")
                .path("annotations")
                .path("prometheus.io/port")
                .asText())
        .isEqualTo(String.valueOf(management));
    assertThat(only("Service").path("spec").path("ports"))
        .as("the Service publishes Slack's port and the gateway's, never health or metrics")
        .extracting(p -> p.path("targetPort").asText())
        .containsExactly("http", "gateway");

    JsonNode resources = container.path("resources");
    assertThat(text(resources.path("requests"), "cpu")).as("cpu request").isNotBlank();
    assertThat(text(resources.path("requests"), "memory")).as("memory request").isNotBlank();
    assertThat(text(resources.path("limits"), "memory")).as("memory limit").isNotBlank();

    // /data: the PersistentVolumeClaim of pvc.yaml, where the configuration puts the H2 database.
    JsonNode data = volumeFor(container, "/data");
    String claim = text(data.path("persistentVolumeClaim"), "claimName");
    String namespace = text(only("Deployment").path("metadata"), "namespace");
    JsonNode pvc =
        find("PersistentVolumeClaim", claim, namespace)
            .orElseThrow(
                () -> new AssertionError("no PersistentVolumeClaim " + claim + " in " + namespace));
    assertThat(strings(pvc.path("spec").path("accessModes"))).containsExactly("ReadWriteOnce");
    assertThat(text(pvc.path("spec").path("resources").path("requests"), "storage"))
        .isEqualTo("1Gi");

    // /etc/latchkey: the ConfigMap of config.yaml, holding the file LATCHKEY_CONFIG names.
    JsonNode config = volumeFor(container, "/etc/latchkey");
    String configMap = text(config.path("configMap"), "name");
    JsonNode map =
        find("ConfigMap", configMap, namespace)
            .orElseThrow(
                () -> new AssertionError("no ConfigMap " + configMap + " in " + namespace));
    String configPath = env(container, "LATCHKEY_CONFIG").path("value").asText();
    assertThat(configPath).startsWith("/etc/latchkey/");
    assertThat(map.path("data").has(configPath.substring("/etc/latchkey/".length())))
        .as("ConfigMap %s has the key for %s", configMap, configPath)
        .isTrue();

    // /tmp: writable scratch for the JVM, since the root filesystem is read-only.
    assertThat(volumeFor(container, "/tmp").has("emptyDir")).as("/tmp is an emptyDir").isTrue();

    // The Slack secrets: references to the Secret that secret.example.yaml shows, never values.
    JsonNode example = documents(deployDir().resolve(SECRET_EXAMPLE)).getFirst();
    assertThat(text(example, "kind")).isEqualTo("Secret");
    for (String key : List.of("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")) {
      JsonNode ref = env(container, key).path("valueFrom").path("secretKeyRef");
      assertThat(text(ref, "name")).as("%s comes from the Secret", key).isEqualTo("latchkey-slack");
      assertThat(text(ref, "key")).isEqualTo(key);
      assertThat(env(container, key).has("value")).as("%s has no literal value", key).isFalse();
    }
    assertThat(text(example.path("metadata"), "name")).isEqualTo("latchkey-slack");
    assertThat(text(example.path("metadata"), "namespace")).isEqualTo(namespace);
    assertThat(example.path("stringData").properties().stream().map(Map.Entry::getKey).toList())
        .containsExactlyInAnyOrder("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET");
  }

  @Test
  void serviceSendsPort80ToTheContainersHttpPort() {
    JsonNode service = only("Service");
    JsonNode podLabels =
        only("Deployment").path("spec").path("template").path("metadata").path("labels");
    service
        .path("spec")
        .path("selector")
        .properties()
        .forEach(
            s ->
                assertThat(text(podLabels, s.getKey()))
                    .as("selector %s", s.getKey())
                    .isEqualTo(s.getValue().asText()));
    assertThat(text(service.path("spec"), "type")).isIn("", "ClusterIP");
    JsonNode port = service.path("spec").path("ports").get(0);
    assertThat(service.path("spec").path("ports")).hasSize(2);
    assertThat(text(port, "name")).isEqualTo("http");
    assertThat(port.path("port").asInt()).isEqualTo(80);
    JsonNode target = port.path("targetPort");
    assertThat(target.isInt() ? target.asInt() : containerPort(onlyContainer(), target.asText()))
        .isEqualTo(3000);
    // The session gateway's port, and nothing of the management port (health, metrics).
    JsonNode gateway = service.path("spec").path("ports").get(1);
    assertThat(text(gateway, "name")).isEqualTo("gateway");
    assertThat(containerPort(onlyContainer(), gateway.path("targetPort").asText())).isEqualTo(8443);
  }

  @Test
  void shippedConfigurationLoadsAndKeepsTheDatabaseOnTheVolume() {
    JsonNode configMap = only("ConfigMap");
    String yaml = configMap.path("data").path("latchkey.yml").asText();
    // Shipped with placeholders marked EDIT: refused, each named, until they are edited.
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "deploy/config.yaml latchkey.yml"))
        .isInstanceOfSatisfying(
            dev.latchkey.bot.config.ConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(3)
                    .allSatisfy(
                        p -> assertThat(p).contains("the placeholder of deploy/config.yaml"))
                    .anySatisfy(p -> assertThat(p).contains("slack.teamId is `T0000000000`"))
                    .anySatisfy(p -> assertThat(p).contains("slack.channel is `C0000000000`"))
                    .anySatisfy(
                        p -> assertThat(p).contains("approvers.userGroup is `S0000000000`")));
    LatchkeyConfig config =
        ConfigLoader.parse(
            yaml.replace("T0000000000", "T0CUSTOMER")
                .replace("C0000000000", "C0SHARED")
                .replace("S0000000000", "S0APPROVERS"),
            "deploy/config.yaml latchkey.yml");
    assertThat(config.customers().all()).hasSize(1);
    assertThat(config.connections())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.inCluster()).isTrue();
              assertThat(c.kubeconfig()).isEmpty();
            });
    // Latchkey runs in this cluster: operator is offered only because the gateway keeps every
    // request out of Latchkey's own namespaces.
    var policy = config.customers().allClusters().getFirst();
    assertThat(policy.hostsLatchkey()).isTrue();
    assertThat(policy.credentials()).isEqualTo(dev.latchkey.core.CredentialMode.GATEWAY);
    assertThat(policy.roles()).containsKeys("readonly", "operator");
    assertThat(config.databaseUrl()).isEqualTo("jdbc:h2:file:/data/latchkey");
  }

  // ------------------------------------------------------------------------------------ Dockerfile

  @Test
  void dockerfileCopiesOnlyPathsThatExistAndAreInTheBuildContext() {
    Path root = repoRoot();
    List<String> ignored = dockerignore();
    assertThat(ignored)
        .as(".dockerignore")
        .contains(".git", "data")
        .anyMatch(p -> p.endsWith("target"));
    List<Instruction> dockerfile = dockerfile();
    Set<String> copied = new LinkedHashSet<>();
    for (Instruction copy : dockerfile) {
      if (!copy.is("COPY") && !copy.is("ADD")) {
        continue;
      }
      assertThat(copy.is("ADD")).as("use COPY, not ADD: %s", copy).isFalse();
      List<String> args = copy.args();
      if (args.stream().anyMatch(a -> a.startsWith("--from="))) {
        continue;
      }
      List<String> sources = args.stream().filter(a -> !a.startsWith("--")).toList();
      for (String source : sources.subList(0, sources.size() - 1)) {
        String relative = source.replaceFirst("^\\./", "");
        assertThat(root.resolve(relative)).as("COPY source %s", source).exists();
        assertThat(excludedBy(ignored, relative))
            .as("COPY source %s is excluded by .dockerignore", source)
            .isEmpty();
        copied.add(relative);
      }
    }
    // Every module of the build is in the image build: its pom (dependency layer) and its sources.
    assertThat(copied).contains("pom.xml");
    for (String module : modules()) {
      assertThat(copied).as("module %s", module).contains(module + "/pom.xml", module + "/src");
    }
  }

  @Test
  void dockerfileRunsTheShadedJarAsTheUserAndPortTheDeploymentExpects() {
    List<Instruction> dockerfile = dockerfile();
    List<Instruction> froms = dockerfile.stream().filter(i -> i.is("FROM")).toList();
    assertThat(froms).hasSize(2);
    assertThat(froms.get(0).rest())
        .contains("maven")
        .contains("21")
        .containsIgnoringCase(" AS build");
    assertThat(froms.get(1).rest()).contains("eclipse-temurin:21-jre");

    // The build stage's output path is bot's finalName; the runtime stage copies exactly that jar.
    Element bot = pom(repoRoot().resolve("bot/pom.xml"));
    String finalName = child(child(bot, "build"), "finalName").getTextContent().strip();
    String workdir =
        stage(dockerfile, 0).stream()
            .filter(i -> i.is("WORKDIR"))
            .reduce((a, b) -> b)
            .orElseThrow()
            .rest();
    List<Instruction> runtime = stage(dockerfile, 1);
    Instruction copyJar =
        runtime.stream()
            .filter(i -> i.is("COPY"))
            .filter(i -> i.rest().contains("--from=build"))
            .collect(
                Collectors.collectingAndThen(
                    Collectors.toList(),
                    l -> {
                      assertThat(l)
                          .as("the runtime stage copies one thing from the build")
                          .hasSize(1);
                      return l.getFirst();
                    }));
    List<String> jarArgs = copyJar.args().stream().filter(a -> !a.startsWith("--")).toList();
    assertThat(jarArgs).hasSize(2);
    assertThat(jarArgs.get(0)).isEqualTo(workdir + "/bot/target/" + finalName + ".jar");
    String jar = jarArgs.get(1);
    assertThat(text(bot.getOwnerDocument().getDocumentElement(), "mainClass"))
        .isEqualTo("dev.latchkey.bot.Main");

    Instruction entrypoint = only(runtime, "ENTRYPOINT");
    List<String> command = jsonArray(entrypoint.rest());
    assertThat(command)
        .as("exec form: java is PID 1 and receives SIGTERM")
        .startsWith("java")
        .contains("-XX:+UseSerialGC", "-XX:MaxRAMPercentage=60", "-Xss512k")
        .endsWith("-jar", jar);
    // The class archive sits in the data volume, the only place the service user can write
    // (read-only root).
    assertThat(command)
        .contains("-XX:SharedArchiveFile=/data/latchkey.jsa", "-XX:+AutoCreateSharedArchive");
    assertThat(only(runtime, "VOLUME").rest()).contains("/data");

    JsonNode container = onlyContainer();
    assertThat(only(runtime, "EXPOSE").rest())
        .isEqualTo(containerPort(container, "http") + " " + containerPort(container, "gateway"));
    String user = only(runtime, "USER").rest();
    assertThat(user).as("numeric, so runAsNonRoot can check it").matches("[1-9][0-9]*(:[0-9]+)?");
    JsonNode podSecurity =
        only("Deployment").path("spec").path("template").path("spec").path("securityContext");
    assertThat(user.split(":")[0]).isEqualTo(podSecurity.path("runAsUser").asText());
    assertThat(only(runtime, "VOLUME").rest()).contains("/data");
    assertThat(only(runtime, "WORKDIR").rest()).isEqualTo("/app");
    assertThat(only(runtime, "HEALTHCHECK").rest())
        .contains("/healthz")
        .contains("curl")
        .contains("${MANAGEMENT_PORT:-9090}");
    assertThat(runtime.stream().filter(i -> i.is("RUN")).map(Instruction::rest))
        .as("the image build fails if the health check's curl is missing")
        .anyMatch(r -> r.contains("command -v curl"));
    assertThat(runtime.stream().filter(i -> i.is("ENV")).map(Instruction::rest))
        .anyMatch(
            r ->
                r.contains(
                    "LATCHKEY_CONFIG=" + env(container, "LATCHKEY_CONFIG").path("value").asText()));
  }

  // ------------------------------------------------------------------------------- shared helpers

  /** deploy/ of this project, found by walking up from the working directory. */
  static Path deployDir() {
    return repoRoot().resolve("deploy");
  }

  static Path repoRoot() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("deploy").resolve(KUSTOMIZATION))
          && Files.isRegularFile(d.resolve("pom.xml"))) {
        return d;
      }
    }
    throw new IllegalStateException("no deploy/" + KUSTOMIZATION + " above " + dir);
  }

  static List<Path> yamlFilesIn(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The non-empty YAML documents of a file, in order. */
  static List<JsonNode> documents(Path file) {
    try (MappingIterator<JsonNode> it =
        YAML.readerFor(JsonNode.class).readValues(Files.readString(file))) {
      List<JsonNode> docs = new ArrayList<>();
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode() && !doc.isEmpty()) {
          docs.add(doc);
        }
      }
      return docs;
    } catch (IOException e) {
      throw new AssertionError(file + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  /** kustomization.yaml's resources, in order. */
  static List<String> listedFileNames() {
    JsonNode kustomization = documents(deployDir().resolve(KUSTOMIZATION)).getFirst();
    return strings(kustomization.path("resources"));
  }

  /** Every document of every file the kustomization lists, with the file's name. */
  static List<Map.Entry<String, JsonNode>> listedDocuments() {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    for (String name : listedFileNames()) {
      Path file = deployDir().resolve(name);
      assertThat(file).as("kustomization.yaml lists %s", name).isRegularFile();
      documents(file).forEach(doc -> out.add(Map.entry(name, doc)));
    }
    return out;
  }

  private static List<Map.Entry<String, JsonNode>> allDocuments() {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>(listedDocuments());
    documents(deployDir().resolve(SECRET_EXAMPLE))
        .forEach(doc -> out.add(Map.entry(SECRET_EXAMPLE, doc)));
    return out;
  }

  static Set<String> namespacesDefined() {
    return listedDocuments().stream()
        .map(Map.Entry::getValue)
        .filter(d -> text(d, "kind").equals("Namespace"))
        .map(d -> text(d.path("metadata"), "name"))
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isValueNode() ? value.asText() : "";
  }

  static List<String> strings(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  private static JsonNode only(String kind) {
    List<JsonNode> found =
        listedDocuments().stream()
            .map(Map.Entry::getValue)
            .filter(d -> text(d, "kind").equals(kind))
            .toList();
    assertThat(found).as("exactly one %s in the manifests", kind).hasSize(1);
    return found.getFirst();
  }

  private static Optional<JsonNode> find(String kind, String name, String namespace) {
    return listedDocuments().stream()
        .map(Map.Entry::getValue)
        .filter(
            d ->
                text(d, "kind").equals(kind)
                    && text(d.path("metadata"), "name").equals(name)
                    && text(d.path("metadata"), "namespace").equals(namespace))
        .findFirst();
  }

  private static JsonNode onlyContainer() {
    JsonNode containers =
        only("Deployment").path("spec").path("template").path("spec").path("containers");
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static int containerPort(JsonNode container, String name) {
    for (JsonNode port : container.path("ports")) {
      if (text(port, "name").equals(name)) {
        return port.path("containerPort").asInt();
      }
    }
    return fail("the container has no port named " + name);
  }

  private static JsonNode env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (text(e, "name").equals(name)) {
        return e;
      }
    }
    return fail("the container has no env " + name);
  }

  private static JsonNode mountFor(JsonNode container, String path) {
    for (JsonNode mount : container.path("volumeMounts")) {
      if (text(mount, "mountPath").equals(path)) {
        return mount;
      }
    }
    return fail("nothing mounted at " + path);
  }

  /** The pod volume mounted at {@code path} in the container. */
  private static JsonNode volumeFor(JsonNode container, String path) {
    String volume = null;
    for (JsonNode mount : container.path("volumeMounts")) {
      if (text(mount, "mountPath").equals(path)) {
        volume = text(mount, "name");
      }
    }
    assertThat(volume).as("a volume mounted at %s", path).isNotNull();
    for (JsonNode v :
        only("Deployment").path("spec").path("template").path("spec").path("volumes")) {
      if (text(v, "name").equals(volume)) {
        return v;
      }
    }
    return fail("no pod volume named " + volume);
  }

  // Dockerfile

  /** One Dockerfile instruction, its continuation lines joined and comment lines removed. */
  record Instruction(String keyword, String rest) {
    boolean is(String k) {
      return keyword.equalsIgnoreCase(k);
    }

    List<String> args() {
      return rest.startsWith("[") ? jsonArray(rest) : List.of(rest.split("\\s+"));
    }
  }

  static List<Instruction> dockerfile() {
    List<String> lines;
    try {
      lines = Files.readAllLines(repoRoot().resolve("Dockerfile"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Instruction> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      String stripped = line.strip();
      if (stripped.startsWith("#") || (stripped.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (stripped.endsWith("\\")) {
        current.append(stripped, 0, stripped.length() - 1).append(' ');
        continue;
      }
      current.append(stripped);
      String joined = current.toString().strip();
      current.setLength(0);
      if (joined.isEmpty()) {
        continue;
      }
      String[] parts = joined.split("\\s+", 2);
      out.add(new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1].strip() : ""));
    }
    return out;
  }

  /** The instructions of the n-th build stage (0-based), FROM excluded. */
  private static List<Instruction> stage(List<Instruction> dockerfile, int n) {
    List<Instruction> out = new ArrayList<>();
    int index = -1;
    for (Instruction i : dockerfile) {
      if (i.is("FROM")) {
        index++;
      } else if (index == n) {
        out.add(i);
      }
    }
    return out;
  }

  private static Instruction only(List<Instruction> stage, String keyword) {
    List<Instruction> found = stage.stream().filter(i -> i.is(keyword)).toList();
    assertThat(found).as("one %s in the runtime stage", keyword).hasSize(1);
    return found.getFirst();
  }

  private static List<String> jsonArray(String text) {
    try {
      return strings(new ObjectMapper().readTree(text));
    } catch (IOException e) {
      throw new AssertionError("not a JSON array: " + text, e);
    }
  }

  private static List<String> dockerignore() {
    try {
      return Files.readAllLines(repoRoot().resolve(".dockerignore")).stream()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The .dockerignore patterns that exclude {@code relative} or one of its parent folders. */
  private static List<String> excludedBy(List<String> patterns, String relative) {
    List<String> hits = new ArrayList<>();
    for (String pattern : patterns) {
      if (pattern.startsWith("!")) {
        continue;
      }
      String p = pattern.replaceFirst("^/", "").replaceFirst("/$", "");
      List<PathMatcher> matchers =
          new ArrayList<>(List.of(FileSystems.getDefault().getPathMatcher("glob:" + p)));
      if (p.startsWith("**/")) {
        matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + p.substring(3)));
      }
      for (Path path = Path.of(relative); path != null; path = path.getParent()) {
        Path candidate = path;
        if (matchers.stream().anyMatch(m -> m.matches(candidate))) {
          hits.add(pattern);
          break;
        }
      }
    }
    return hits;
  }

  private static List<String> modules() {
    Element parent = pom(repoRoot().resolve("pom.xml"));
    NodeList modules = child(parent, "modules").getElementsByTagName("module");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < modules.getLength(); i++) {
      out.add(modules.item(i).getTextContent().strip());
    }
    assertThat(out).isNotEmpty();
    return out;
  }

  private static Element pom(Path file) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(false);
      Document doc = factory.newDocumentBuilder().parse(file.toFile());
      return doc.getDocumentElement();
    } catch (Exception e) {
      throw new AssertionError("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static Element child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("<" + parent.getTagName() + "> has no <" + name + ">");
  }

  /** The text of the first element named {@code name} anywhere under {@code root}. */
  private static String text(Element root, String name) {
    NodeList found = root.getElementsByTagName(name);
    return found.getLength() == 0 ? "" : found.item(0).getTextContent().strip();
  }
}
