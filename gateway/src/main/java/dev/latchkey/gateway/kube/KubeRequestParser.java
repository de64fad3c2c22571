package dev.latchkey.gateway.kube;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Derives a request's Kubernetes attributes from its method, path and query the way the API server
 * does (k8s.io/apiserver's RequestInfoFactory), so that what the gateway checks is what the API
 * server will act on. Paths whose reading could differ between the two — encoded slashes, dot
 * segments, empty segments, control characters, invalid escapes, {@code ;} in the query — are
 * refused rather than guessed at.
 */
public final class KubeRequestParser {

  private KubeRequestParser() {}

  /** A request's attributes, or why its path or query cannot be read safely. */
  public sealed interface Result {
    record Parsed(KubeRequest request) implements Result {}

    record Malformed(String reason) implements Result {}
  }

  private static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * @param rawPath the request's path as sent (percent-encoded), starting with {@code /}
   * @param rawQuery the query as sent, without {@code ?}; empty when there is none
   */
  public static Result parse(String method, String rawPath, String rawQuery) {
    try {
      return new Result.Parsed(read(method, rawPath, rawQuery));
    } catch (MalformedException e) {
      return new Result.Malformed(e.getMessage());
    }
  }

  private static KubeRequest read(String method, String rawPath, String rawQuery)
      throws MalformedException {
    List<String> segments = segments(rawPath);
    Query query = Query.parse(rawQuery);
    String path = "/" + String.join("/", segments);
    String lowerMethod = method.toLowerCase(Locale.ROOT);

    if (segments.size() < 3 || !isApiPrefix(segments.get(0))) {
      return nonResource(lowerMethod, path);
    }
    int at = 0;
    String prefix = segments.get(at++);
    String group = "";
    if (prefix.equals("apis")) {
      if (segments.size() - at < 3) {
        return nonResource(lowerMethod, path);
      }
      group = segments.get(at++);
    }
    String version = segments.get(at++);
    List<String> parts = segments.subList(at, segments.size());

    String verb;
    if (parts.get(0).equals("watch") || parts.get(0).equals("proxy")) {
      if (parts.size() < 2) {
        throw new MalformedException("unable to determine kind and namespace from url " + path);
      }
      verb = parts.get(0);
      parts = parts.subList(1, parts.size());
    } else {
      verb =
          switch (method) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> lowerMethod;
          };
    }

    Optional<String> namespace = Optional.empty();
    if (parts.get(0).equals("namespaces")) {
      if (parts.size() > 1) {
        namespace = Optional.of(parts.get(1));
        if (parts.size() > 2 && !isNamespaceSubresource(parts.get(2))) {
          parts = parts.subList(2, parts.size());
        }
      }
    }

    String resource = parts.get(0);
    Optional<String> name = parts.size() >= 2 ? Optional.of(parts.get(1)) : Optional.empty();
    Optional<String> subresource =
        parts.size() >= 3 && !verb.equals("proxy") ? Optional.of(parts.get(2)) : Optional.empty();

    if (name.isEmpty() && verb.equals("get")) {
      verb = query.flag("watch") ? "watch" : "list";
    }
    if (name.isEmpty() && (verb.equals("list") || verb.equals("watch"))) {
      name = query.exactName().filter(KubeRequestParser::isValidPathSegmentName);
    }
    if (name.isEmpty() && verb.equals("delete")) {
      verb = "deletecollection";
    }

    boolean streams = subresource.isPresent() && isStreamSubresource(subresource.get());
    return new KubeRequest(
        verb,
        true,
        path,
        group,
        version,
        resource,
        namespace,
        name,
        subresource,
        streams ? query.all("command") : List.of(),
        streams ? query.first("container") : Optional.empty(),
        streams && query.flag("stdin"),
        streams && query.flag("stdout"),
        streams && query.flag("tty"));
  }

  private static KubeRequest nonResource(String verb, String path) {
    return new KubeRequest(
        verb,
        false,
        path,
        "",
        "",
        "",
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty(),
        false,
        false,
        false);
  }

  private static boolean isApiPrefix(String segment) {
    return segment.equals("api") || segment.equals("apis");
  }

  private static boolean isNamespaceSubresource(String segment) {
    return segment.equals("status") || segment.equals("finalize");
  }

  private static boolean isStreamSubresource(String segment) {
    return segment.equals("exec") || segment.equals("attach") || segment.equals("portforward");
  }

  /** Kubernetes' ValidatePathSegmentName: a name that can stand as one path segment. */
  static boolean isValidPathSegmentName(String name) {
    return !name.isEmpty()
        && !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('%') < 0;
  }

  /**
   * The decoded segments of a path. Leading slash required; one trailing slash allowed (the API
   * server trims it); anything a second reader could split or resolve differently is refused.
   */
  static List<String> segments(String rawPath) throws MalformedException {
    if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      throw new MalformedException("the path must start with /");
    }
    String body = rawPath.substring(1);
    if (body.endsWith("/")) {
      body = body.substring(0, body.length() - 1);
    }
    List<String> out = new ArrayList<>(8);
    if (body.isEmpty()) {
      return out;
    }
    int start = 0;
    while (true) {
      int slash = body.indexOf('/', start);
      String raw = slash < 0 ? body.substring(start) : body.substring(start, slash);
      String segment = decode(raw, false);
      if (segment.isEmpty()) {
        throw new MalformedException("empty path segment");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw new MalformedException("dot segments are not allowed in the path");
      }
      if (segment.indexOf('/') >= 0 || segment.indexOf('\\') >= 0) {
        throw new MalformedException("encoded slashes are not allowed in the path");
      }
      out.add(segment);
      if (slash < 0) {
        return out;
      }
      start = slash + 1;
    }
  }

  /**
   * Percent-decodes (as UTF-8); {@code +} is a space only in a query. Refuses invalid escapes,
   * invalid UTF-8 and raw control characters, and in a path encoded ones too.
   */
  static String decode(String raw, boolean query) throws MalformedException {
    boolean plain = true;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < 0x21 || c == 0x7f || c > 0x7e) {
        throw new MalformedException("control or non-ASCII character in the request line");
      }
      if (c == '%' || (query && c == '+') || c == '\\' || c == '#') {
        plain = false;
      }
    }
    if (plain) {
      return raw;
    }
    byte[] bytes = new byte[raw.length()];
    int n = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '#') {
        throw new MalformedException("a fragment is not allowed in the request line");
      }
      if (c == '\\' && !query) {
        throw new MalformedException("backslashes are not allowed in the path");
      }
      if (c == '+' && query) {
        bytes[n++] = ' ';
      } else if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw new MalformedException("invalid percent-encoding");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new MalformedException("invalid percent-encoding");
        }
        int b = (hi << 4) | lo;
        // An exec's arguments may hold any text (a newline in `sh -c`); a path segment may not.
        if (!query && (b < 0x20 || b == 0x7f)) {
          throw new MalformedException("encoded control character in the request line");
        }
        bytes[n++] = (byte) b;
        i += 2;
      } else {
        bytes[n++] = (byte) c;
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 0, n))
          .toString();
    } catch (CharacterCodingException e) {
      throw new MalformedException("the path or query is not valid UTF-8");
    }
  }

  /** The query parameters the attributes depend on, read as Go's url.ParseQuery does. */
  private record Query(List<String[]> pairs) {
    static Query parse(String raw) throws MalformedException {
      List<String[]> pairs = new ArrayList<>(4);
      if (raw.isEmpty()) {
        return new Query(pairs);
      }
      if (raw.indexOf(';') >= 0) {
        // Go split queries on ';' until 1.17 and ignores such pairs since: the two readings differ.
        throw new MalformedException("';' is not allowed in the query");
      }
      int start = 0;
      while (start <= raw.length()) {
        int amp = raw.indexOf('&', start);
        String pair = amp < 0 ? raw.substring(start) : raw.substring(start, amp);
        if (!pair.isEmpty()) {
          int eq = pair.indexOf('=');
          String key = decode(eq < 0 ? pair : pair.substring(0, eq), true);
          String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
          pairs.add(new String[] {key, value});
        }
        if (amp < 0) {
          break;
        }
        start = amp + 1;
      }
      return new Query(pairs);
    }

    Optional<String> first(String key) {
      for (String[] pair : pairs) {
        if (pair[0].equals(key)) {
          return Optional.of(pair[1]);
        }
      }
      return Optional.empty();
    }

    List<String> all(String key) {
      List<String> out = new ArrayList<>(2);
      for (String[] pair : pairs) {
        if (pair[0].equals(key)) {
          out.add(pair[1]);
        }
      }
      return out;
    }

    /** Kubernetes' boolean parameters: only absent, "0" and "false" (any case) are false. */
    boolean flag(String key) {
      Optional<String> value = first(key);
      return value.isPresent()
          && !value.get().equals("0")
          && !value.get().equalsIgnoreCase("false");
    }

    /** The name a {@code fieldSelector} pins with {@code metadata.name=} or {@code ==}. */
    Optional<String> exactName() {
      Optional<String> selector = first("fieldSelector");
      if (selector.isEmpty()) {
        return Optional.empty();
      }
      for (String term : selector.get().split(",", -1)) {
        String t = term.strip();
        for (String op : new String[] {"==", "="}) {
          String lead = "metadata.name" + op;
          if (t.startsWith(lead)) {
            return Optional.of(t.substring(lead.length()).strip());
          }
        }
      }
      return Optional.empty();
    }
  }
}
