package dev.latchkey.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's own answers, as Kubernetes {@code Status} objects, so kubectl and client libraries
 * show their message ("Error from server (Forbidden): …").
 */
final class KubeStatus {
  private KubeStatus() {}

  static FullHttpResponse response(HttpResponseStatus status, String message, boolean close) {
    ByteBuf body = Unpooled.copiedBuffer(json(status, message), StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
    if (close) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response;
  }

  static String json(HttpResponseStatus status, String message) {
    StringBuilder out = new StringBuilder(160 + message.length());
    out.append("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\"")
        .append(",\"message\":\"");
    escape(message, out);
    out.append('"');
    String reason = reason(status.code());
    if (!reason.isEmpty()) {
      out.append(",\"reason\":\"").append(reason).append('"');
    }
    return out.append(",\"code\":").append(status.code()).append('}').toString();
  }

  /** Kubernetes' StatusReason for a code, where it has one. */
  private static String reason(int code) {
    return switch (code) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 408 -> "Timeout";
      case 413 -> "RequestEntityTooLarge";
      case 429 -> "TooManyRequests";
      case 500 -> "InternalError";
      case 502, 503 -> "ServiceUnavailable";
      default -> "";
    };
  }

  private static void escape(String text, StringBuilder out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
  }
}
