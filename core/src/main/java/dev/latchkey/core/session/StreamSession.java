package dev.latchkey.core.session;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** An upgraded stream of a grant through the gateway, as it was opened. */
public record StreamSession(
    SessionId id,
    RequestId requestId,
    ClusterRef cluster,
    StreamKind kind,
    String namespace,
    String pod,
    Optional<String> container,
    List<String> command,
    boolean tty,
    Instant startedAt) {
  public StreamSession {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(container, "container");
    command = List.copyOf(command);
    Objects.requireNonNull(startedAt, "startedAt");
  }
}
