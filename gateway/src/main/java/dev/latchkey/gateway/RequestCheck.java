package dev.latchkey.gateway;

import dev.latchkey.gateway.kube.KubeRequest;
import dev.latchkey.gateway.kube.KubeRequestParser;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Map;
import java.util.Optional;

/**
 * What a request head alone decides, before any token is checked: well-formed HTTP, a path of this
 * gateway naming a served cluster, a path the API server would read as we do, a bearer token, a
 * body within the limit, and an upgrade only to an exec, attach or port-forward stream over
 * SPDY/3.1 or WebSocket.
 */
final class RequestCheck {
  private RequestCheck() {}

  sealed interface Verdict {
    record Pass(
        GatewayRoute route,
        GatewayContext.Upstream upstream,
        KubeRequest kube,
        String token,
        boolean upgrade)
        implements Verdict {}

    /**
     * @param close whether the connection must close after the answer (its body, if any, is not
     *     read)
     */
    record Refuse(HttpResponseStatus status, String message, boolean close) implements Verdict {}
  }

  static Verdict check(
      HttpRequest request, Map<String, GatewayContext.Upstream> clusters, long maxBodyBytes) {
    if (request.decoderResult().isFailure()) {
      HttpResponseStatus status = statusFor(request.decoderResult().cause());
      return new Verdict.Refuse(status, "malformed request: " + status.reasonPhrase(), true);
    }
    long length = HttpUtil.getContentLength(request, 0L);
    boolean hasBody = length > 0 || HttpUtil.isTransferEncodingChunked(request);
    Optional<GatewayRoute> route = GatewayRoute.parse(request.uri());
    if (route.isEmpty()) {
      return new Verdict.Refuse(
          HttpResponseStatus.NOT_FOUND,
          "this is Latchkey's session gateway: clusters are at /clusters/<customer>/<cluster>/",
          hasBody);
    }
    GatewayContext.Upstream upstream = clusters.get(route.get().clusterKey());
    if (upstream == null) {
      return new Verdict.Refuse(
          HttpResponseStatus.NOT_FOUND,
          "no cluster " + route.get().clusterKey() + " at this gateway",
          hasBody);
    }
    KubeRequest kube;
    switch (KubeRequestParser.parse(
        request.method().name(), route.get().rawPath(), route.get().rawQuery())) {
      case KubeRequestParser.Result.Malformed malformed -> {
        return new Verdict.Refuse(HttpResponseStatus.BAD_REQUEST, malformed.reason(), hasBody);
      }
      case KubeRequestParser.Result.Parsed parsed -> kube = parsed.request();
    }
    Optional<String> token = ForwardedHeaders.bearerToken(request.headers());
    if (token.isEmpty()) {
      return new Verdict.Refuse(
          HttpResponseStatus.UNAUTHORIZED,
          "a bearer token is required: use the kubeconfig from /access kubeconfig",
          hasBody);
    }
    if (length > maxBodyBytes) {
      return new Verdict.Refuse(
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge(maxBodyBytes), true);
    }
    String protocol = request.headers().get(HttpHeaderNames.UPGRADE);
    if (protocol != null
        && (!(protocol.equalsIgnoreCase("websocket") || protocol.equalsIgnoreCase("SPDY/3.1"))
            || kube.streamKind().isEmpty()
            || hasBody)) {
      return new Verdict.Refuse(
          HttpResponseStatus.BAD_REQUEST,
          "upgrade to "
              + protocol
              + " is not supported here: only exec, attach and port-forward of a pod, over"
              + " SPDY/3.1 or WebSocket",
          true);
    }
    return new Verdict.Pass(route.get(), upstream, kube, token.get(), protocol != null);
  }

  static String tooLarge(long maxBodyBytes) {
    return "the request body is larger than the gateway forwards (" + maxBodyBytes + " bytes)";
  }

  /** Request line too long: 414; headers too large: 431; anything else malformed: 400. */
  static HttpResponseStatus statusFor(Throwable decoding) {
    if (decoding instanceof TooLongHttpLineException) {
      return HttpResponseStatus.REQUEST_URI_TOO_LONG;
    }
    if (decoding instanceof TooLongFrameException) {
      return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    return HttpResponseStatus.BAD_REQUEST;
  }
}
