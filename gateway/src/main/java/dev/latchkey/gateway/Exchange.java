package dev.latchkey.gateway;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.GatewayGrant;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.gateway.kube.KubeRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** One request through the gateway and its answer, as far as they have got. */
final class Exchange {
  final String method;
  final long startNanos;
  final Instant startedAt;
  final boolean keepAlive;
  GatewayRoute route;
  GatewayContext.Upstream upstream;
  KubeRequest kube;
  boolean upgrade;
  GatewayGrant grant;
  boolean requestComplete;
  long requestBytes;
  boolean responseStarted;
  boolean responseComplete;
  boolean closeAfter;
  int status;
  long responseBytes;

  Exchange(String method, boolean keepAlive, long startNanos, Instant startedAt) {
    this.method = method;
    this.keepAlive = keepAlive;
    this.startNanos = startNanos;
    this.startedAt = startedAt;
    this.closeAfter = !keepAlive;
  }

  /**
   * The session-log line of this request, once its grant is known. {@code bytes} counts body bytes
   * both ways (for a stream, everything relayed).
   */
  Optional<ActivityLine> line(
      Optional<RequestId> id,
      int status,
      long bytes,
      long nowNanos,
      Optional<String> refusal,
      Optional<SessionId> session) {
    Optional<RequestId> requestId = grant != null ? Optional.of(grant.id()) : id;
    if (requestId.isEmpty() || route == null || upstream == null || kube == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ActivityLine(
            startedAt,
            requestId.get(),
            upstream.cluster().ref(),
            kube.verb(),
            kube.describedResource(),
            kube.namespace(),
            kube.name(),
            kube.subresource(),
            kube.command(),
            kube.container(),
            kube.tty(),
            status,
            bytes,
            Duration.ofNanos(Math.max(0, nowNanos - startNanos)),
            refusal,
            session));
  }

  /** The line of a request the gateway answered itself, with its status and why. */
  Optional<ActivityLine> refusedLine(Optional<RequestId> id, String why, long nowNanos) {
    return line(id, status, requestBytes, nowNanos, Optional.of(why), Optional.empty());
  }

  /** The line of a forwarded request, however far its answer got. */
  Optional<ActivityLine> finishedLine(long nowNanos) {
    return line(
        Optional.empty(),
        status,
        requestBytes + responseBytes,
        nowNanos,
        Optional.empty(),
        Optional.empty());
  }
}
