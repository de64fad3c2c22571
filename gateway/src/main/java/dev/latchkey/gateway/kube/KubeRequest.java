package dev.latchkey.gateway.kube;

import dev.latchkey.core.session.StreamKind;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the API server will make of a request, derived as Kubernetes derives its request attributes
 * (the verb RBAC sees, group, version, resource, namespace, name, subresource), plus an exec's
 * command and terminal flags. Read-only input to the gateway's own checks and its session log.
 *
 * @param path the decoded Kubernetes path (what a non-resource request is logged as)
 * @param apiGroup empty for the core group
 * @param resource empty for a non-resource request
 * @param namespace the namespace the request is addressed to; for the {@code namespaces} resource
 *     itself, the namespace named
 */
public record KubeRequest(
    String verb,
    boolean resourceRequest,
    String path,
    String apiGroup,
    String apiVersion,
    String resource,
    Optional<String> namespace,
    Optional<String> name,
    Optional<String> subresource,
    List<String> command,
    Optional<String> container,
    boolean stdin,
    boolean stdout,
    boolean tty) {

  public KubeRequest {
    Objects.requireNonNull(verb, "verb");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(apiGroup, "apiGroup");
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(subresource, "subresource");
    command = List.copyOf(command);
    Objects.requireNonNull(container, "container");
  }

  /** The stream this request opens when it is upgraded: exec, attach or port-forward of a pod. */
  public Optional<StreamKind> streamKind() {
    if (!resourceRequest
        || !apiGroup.isEmpty()
        || !resource.equals("pods")
        || namespace.isEmpty()
        || name.isEmpty()
        || subresource.isEmpty()) {
      return Optional.empty();
    }
    return switch (subresource.get()) {
      case "exec" -> Optional.of(StreamKind.EXEC);
      case "attach" -> Optional.of(StreamKind.ATTACH);
      case "portforward" -> Optional.of(StreamKind.PORT_FORWARD);
      default -> Optional.empty();
    };
  }

  /**
   * The resource as a person reads it: {@code pods}, {@code deployments.apps}; the path for a
   * non-resource request ({@code /version}).
   */
  public String describedResource() {
    if (!resourceRequest) {
      return path;
    }
    return apiGroup.isEmpty() ? resource : resource + "." + apiGroup;
  }
}
