package dev.latchkey.gateway;

import dev.latchkey.k8s.ApiServerUpstream;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which headers cross the gateway. Towards the API server: never the client's credentials or
 * impersonation (any {@code Impersonate-*}), nor headers a front proxy would vouch for, nor
 * hop-by-hop headers; then Latchkey's own credentials and {@code Impersonate-User} of the grant.
 * Towards the client: the API server's answer without hop-by-hop headers.
 */
final class ForwardedHeaders {
  private static final AsciiString IMPERSONATE_USER = AsciiString.cached("Impersonate-User");
  private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  private static final String BEARER_PROTOCOL = "base64url.bearer.authorization.k8s.io.";
  private static final AsciiString[] DROPPED = {
    HttpHeaderNames.AUTHORIZATION,
    HttpHeaderNames.PROXY_AUTHORIZATION,
    HttpHeaderNames.HOST,
    KEEP_ALIVE,
    PROXY_CONNECTION,
    HttpHeaderNames.TE,
    HttpHeaderNames.TRAILER,
    HttpHeaderNames.EXPECT,
    HttpHeaderNames.CONNECTION,
    HttpHeaderNames.UPGRADE
  };

  private ForwardedHeaders() {}

  /** The request to send upstream for an authorized exchange, as its grant's ServiceAccount. */
  static HttpRequest upstreamRequest(HttpRequest head, Exchange exchange) {
    ApiServerUpstream api = exchange.upstream.cluster().upstream();
    return new DefaultHttpRequest(
        HttpVersion.HTTP_1_1,
        head.method(),
        api.pathPrefix() + exchange.route.pathAndQuery(),
        upstream(
            head.headers(),
            exchange.upgrade,
            api.server().getRawAuthority(),
            api.bearerToken(),
            exchange.grant.impersonatedUser()));
  }

  /** The client's bearer token, if it sent one. */
  static Optional<String> bearerToken(HttpHeaders headers) {
    String value = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (value == null || value.length() < 8 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = value.substring(7).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  /**
   * The headers to send upstream for a client request.
   *
   * @param upgrade whether the request asks for a protocol upgrade (its Upgrade and Connection
   *     headers then pass)
   */
  static HttpHeaders upstream(
      HttpHeaders in,
      boolean upgrade,
      String host,
      Optional<String> bearer,
      String impersonatedUser) {
    HttpHeaders out = new DefaultHttpHeaders(false);
    List<String> connectionTokens = connectionTokens(in);
    Iterator<Map.Entry<CharSequence, CharSequence>> headers = in.iteratorCharSequence();
    while (headers.hasNext()) {
      Map.Entry<CharSequence, CharSequence> header = headers.next();
      CharSequence name = header.getKey();
      if (dropTowardsServer(name) || listed(connectionTokens, name)) {
        continue;
      }
      if (upgrade && HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL.contentEqualsIgnoreCase(name)) {
        withoutBearerProtocols(header.getValue().toString()).ifPresent(v -> out.add(name, v));
        continue;
      }
      out.add(name, header.getValue());
    }
    if (upgrade) {
      out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      out.set(HttpHeaderNames.UPGRADE, in.get(HttpHeaderNames.UPGRADE));
    }
    out.set(HttpHeaderNames.HOST, host);
    bearer.ifPresent(token -> out.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token));
    out.set(IMPERSONATE_USER, impersonatedUser);
    return out;
  }

  /** Removes what must not cross back to the client (in place). */
  static void towardsClient(HttpHeaders headers, boolean upgraded) {
    for (String token : connectionTokens(headers)) {
      if (!upgraded || !token.equals("upgrade")) {
        headers.remove(token);
      }
    }
    headers.remove(KEEP_ALIVE);
    headers.remove(PROXY_CONNECTION);
    headers.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    headers.remove(HttpHeaderNames.TE);
    headers.remove(HttpHeaderNames.TRAILER);
    if (!upgraded) {
      headers.remove(HttpHeaderNames.CONNECTION);
      headers.remove(HttpHeaderNames.UPGRADE);
    }
  }

  /**
   * Credentials, impersonation, front-proxy identity headers, hop-by-hop headers and Host (set
   * anew); an upgrade's own Connection and Upgrade are set again by the caller.
   */
  private static boolean dropTowardsServer(CharSequence name) {
    if (startsWithIgnoreCase(name, "impersonate-") || startsWithIgnoreCase(name, "x-remote-")) {
      return true;
    }
    for (AsciiString dropped : DROPPED) {
      if (dropped.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWithIgnoreCase(CharSequence name, String prefix) {
    return name.length() >= prefix.length()
        && AsciiString.regionMatches(name, true, 0, prefix, 0, prefix.length());
  }

  private static boolean listed(List<String> tokens, CharSequence name) {
    for (String token : tokens) {
      if (AsciiString.contentEqualsIgnoreCase(token, name)) {
        return true;
      }
    }
    return false;
  }

  /** Header names the Connection header lists as hop-by-hop, lowercase. */
  private static List<String> connectionTokens(HttpHeaders headers) {
    List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
    if (values.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(2);
    for (String value : values) {
      for (String token : value.split(",")) {
        String t = lower(token.strip());
        if (!t.isEmpty()) {
          out.add(t);
        }
      }
    }
    return out;
  }

  /** A WebSocket protocol list without bearer tokens smuggled in it; empty when none is left. */
  static Optional<String> withoutBearerProtocols(String value) {
    StringBuilder kept = new StringBuilder(value.length());
    for (String protocol : value.split(",")) {
      String p = protocol.strip();
      if (p.isEmpty() || p.regionMatches(true, 0, BEARER_PROTOCOL, 0, BEARER_PROTOCOL.length())) {
        continue;
      }
      if (!kept.isEmpty()) {
        kept.append(", ");
      }
      kept.append(p);
    }
    return kept.isEmpty() ? Optional.empty() : Optional.of(kept.toString());
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
