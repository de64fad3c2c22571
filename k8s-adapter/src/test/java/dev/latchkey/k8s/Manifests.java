package dev.latchkey.k8s;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The manifests shipped in deploy/, found from wherever the build runs. */
final class Manifests {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** Builds by directory: a build takes a second or two, and the files do not change in a run. */
  private static final Map<Path, List<HasMetadata>> BUILDS = new ConcurrentHashMap<>();

  /** Overlays by component list, so that each is written once per run. */
  private static final Map<List<String>, Path> OVERLAYS = new ConcurrentHashMap<>();

  private Manifests() {}

  /**
   * {@code deploy/<name>}, looked up from the working directory upwards (module or project root).
   */
  static Path deployFile(String name) {
    for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        dir != null;
        dir = dir.getParent()) {
      Path candidate = dir.resolve("deploy").resolve(name);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "deploy/" + name + " not found above " + System.getProperty("user.dir"));
  }

  /** deploy/ itself. */
  static Path deployDir() {
    return deployFile("kustomization.yaml").getParent();
  }

  /** Every object of a multi-document YAML file, in order. */
  static List<HasMetadata> load(String name) {
    try {
      return parse(Files.readString(deployFile(name)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every object of multi-document YAML text, in order. */
  static List<HasMetadata> parse(String text) {
    return Arrays.stream(text.split("(?m)^---\\s*$"))
        .filter(doc -> doc.lines().anyMatch(l -> !l.isBlank() && !l.stripLeading().startsWith("#")))
        .map(doc -> SERIALIZATION.unmarshal(doc, HasMetadata.class))
        .toList();
  }

  /** Whether kubectl, with the kustomize built into it, is on the PATH. */
  static boolean kubectlOnPath() {
    String path = System.getenv("PATH");
    return path != null
        && Stream.of(path.split(File.pathSeparator))
            .anyMatch(dir -> Files.isExecutable(Path.of(dir, "kubectl")));
  }

  /** Skips the calling test, with the reason, when kubectl is not on the PATH. */
  static void assumeKubectl() {
    assumeTrue(kubectlOnPath(), "kubectl is not on the PATH: kustomize builds are not checked");
  }

  /**
   * What {@code kubectl kustomize} builds from deploy/ with the named components of
   * deploy/components added (as a user's overlay of deploy/ would). Skips the calling test when
   * kubectl is not on the PATH.
   */
  static List<HasMetadata> kustomize(String... components) {
    assumeKubectl();
    if (components.length == 0) {
      return build(deployDir());
    }
    return build(OVERLAYS.computeIfAbsent(List.of(components), Manifests::overlay));
  }

  private static Path overlay(List<String> components) {
    try {
      Path overlay =
          Files.createDirectories(Path.of(System.getProperty("user.dir"), "target", "kustomize"));
      overlay = Files.createTempDirectory(overlay, "overlay");
      StringBuilder text = new StringBuilder("resources:\n");
      text.append("  - ").append(overlay.relativize(deployDir())).append('\n');
      text.append("components:\n");
      for (String component : components) {
        Path dir = deployDir().resolve("components").resolve(component);
        text.append("  - ").append(overlay.relativize(dir)).append('\n');
      }
      Files.writeString(overlay.resolve("kustomization.yaml"), text);
      return overlay;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What {@code kubectl kustomize} builds from a kustomization directory. */
  static List<HasMetadata> build(Path kustomization) {
    assumeKubectl();
    return BUILDS.computeIfAbsent(kustomization.toAbsolutePath().normalize(), Manifests::run);
  }

  private static List<HasMetadata> run(Path kustomization) {
    try {
      Process process =
          new ProcessBuilder("kubectl", "kustomize", kustomization.toString())
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .start();
      process.getOutputStream().close();
      byte[] out = process.getInputStream().readAllBytes();
      byte[] err = process.getErrorStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError(
            "kubectl kustomize "
                + kustomization
                + " failed: "
                + new String(err, StandardCharsets.UTF_8));
      }
      return List.copyOf(parse(new String(out, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The objects of these kinds, in order. */
  static List<HasMetadata> ofKinds(List<HasMetadata> objects, String... kinds) {
    List<String> wanted = List.of(kinds);
    List<HasMetadata> out = new ArrayList<>();
    objects.stream().filter(o -> wanted.contains(o.getKind())).forEach(out::add);
    return out;
  }

  @SuppressWarnings("unchecked")
  static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> kind, String name) {
    return (T)
        objects.stream()
            .filter(kind::isInstance)
            .filter(o -> o.getMetadata().getName().equals(name))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError(kind.getSimpleName() + " " + name + " not found"));
  }
}
