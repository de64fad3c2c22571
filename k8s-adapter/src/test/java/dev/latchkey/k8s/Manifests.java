package dev.latchkey.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The manifests shipped in deploy/, found from wherever the build runs. */
final class Manifests {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

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

  /** Every object of a multi-document YAML file, in order. */
  static List<HasMetadata> load(String name) {
    try {
      String text = Files.readString(deployFile(name));
      return Arrays.stream(text.split("(?m)^---\\s*$"))
          .filter(
              doc -> doc.lines().anyMatch(l -> !l.isBlank() && !l.stripLeading().startsWith("#")))
          .map(doc -> SERIALIZATION.unmarshal(doc, HasMetadata.class))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
