package dev.latchkey.core.session;

import dev.latchkey.core.port.SessionStore.LogCount;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A grant's API requests through the gateway, counted by what they asked, with the refused ones
 * apart: refused by Latchkey (the gateway answered itself, e.g. a protected namespace) or by the
 * cluster (401 or 403: the role does not allow it). What a reviewer looks at first.
 *
 * @param total every request of the grant
 * @param refused those refused by Latchkey or by the cluster
 * @param byWhat one count per verb and resource, the most frequent first
 */
public record RequestTotals(long total, long refused, List<RequestCount> byWhat) {
  public RequestTotals {
    byWhat = List.copyOf(byWhat);
  }

  public static final RequestTotals NONE = new RequestTotals(0, 0, List.of());

  /**
   * The requests of one verb on one resource ({@code pods}, {@code pods/exec}, {@code
   * deployments.apps}, or a path such as {@code /version}).
   */
  public record RequestCount(
      String verb, String resource, long total, long refusedByLatchkey, long refusedByCluster) {
    public RequestCount {
      Objects.requireNonNull(verb, "verb");
      Objects.requireNonNull(resource, "resource");
    }

    public long refused() {
      return refusedByLatchkey + refusedByCluster;
    }
  }

  /** Whether the cluster refused a forwarded request: it did not accept the caller or the role. */
  public static boolean refusedByCluster(int status) {
    return status == 401 || status == 403;
  }

  /** The totals of a grant's session log, from the store's grouped counts. */
  public static RequestTotals of(List<LogCount> counts) {
    Map<List<String>, long[]> groups = new LinkedHashMap<>();
    long total = 0;
    long refused = 0;
    for (LogCount c : counts) {
      String resource = c.resource() + c.subresource().map(s -> "/" + s).orElse("");
      long[] g = groups.computeIfAbsent(List.of(c.verb(), resource), k -> new long[3]);
      g[0] += c.count();
      total += c.count();
      if (c.refusedByGateway()) {
        g[1] += c.count();
        refused += c.count();
      } else if (refusedByCluster(c.status())) {
        g[2] += c.count();
        refused += c.count();
      }
    }
    List<RequestCount> byWhat = new ArrayList<>();
    groups.forEach(
        (key, g) -> byWhat.add(new RequestCount(key.get(0), key.get(1), g[0], g[1], g[2])));
    byWhat.sort(
        Comparator.comparingLong(RequestCount::total)
            .reversed()
            .thenComparing(RequestCount::resource)
            .thenComparing(RequestCount::verb));
    return new RequestTotals(total, refused, byWhat);
  }
}
