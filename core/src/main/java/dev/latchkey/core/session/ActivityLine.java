package dev.latchkey.core.session;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of a grant's session log: an API request that reached the gateway, forwarded or refused.
 * Fields Kubernetes' request does not have are empty; text from the client is stored as plain text.
 *
 * @param verb Kubernetes' verb as RBAC sees it (get, list, watch, create, …)
 * @param command an exec's command and arguments; empty for everything else
 * @param status the HTTP status the client received (101 for an upgraded stream)
 * @param refusal why the gateway refused it itself (e.g. a protected namespace); empty when
 *     forwarded
 * @param session the stream this request opened, for exec, attach and port-forward
 */
public record ActivityLine(
    Instant at,
    RequestId requestId,
    ClusterRef cluster,
    String verb,
    String resource,
    Optional<String> namespace,
    Optional<String> name,
    Optional<String> subresource,
    List<String> command,
    Optional<String> container,
    boolean tty,
    int status,
    long bytes,
    Duration duration,
    Optional<String> refusal,
    Optional<SessionId> session) {
  public ActivityLine {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(verb, "verb");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(subresource, "subresource");
    command = List.copyOf(command);
    Objects.requireNonNull(container, "container");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(refusal, "refusal");
    Objects.requireNonNull(session, "session");
  }
}
