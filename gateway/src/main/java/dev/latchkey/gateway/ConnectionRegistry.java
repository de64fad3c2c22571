package dev.latchkey.gateway;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.GatewayGrant;
import dev.latchkey.core.session.SessionEnd;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every open client connection of every grant (kept-alive ones, watches, streams), and the grants
 * this process has seen end, so that a grant's end reaches all of its connections and none can be
 * opened after it.
 */
final class ConnectionRegistry {

  /** A client connection bound to a grant. Its methods may be called from any thread. */
  interface Connection {
    /** The grant the connection serves now. */
    RequestId grant();

    /** When the token the connection presented expires. */
    Instant tokenExpiresAt();

    /** Closes the connection because its grant (or token) ended; {@code line} says why. */
    void cut(SessionEnd.Cause cause, String line);
  }

  /** How and when a grant was seen to end. */
  record Ended(SessionEnd.Cause cause, Instant at) {}

  private static final class Entry {
    final ClusterRef cluster;
    volatile Instant endsAt;
    final Set<Connection> connections = ConcurrentHashMap.newKeySet();

    Entry(ClusterRef cluster, Instant endsAt) {
      this.cluster = cluster;
      this.endsAt = endsAt;
    }
  }

  private final ConcurrentHashMap<RequestId, Entry> grants = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<RequestId, Ended> ended = new ConcurrentHashMap<>();

  /**
   * Binds a connection to its grant. False when the grant has ended already: the connection must be
   * refused.
   */
  boolean bind(Connection connection, GatewayGrant grant) {
    if (ended.containsKey(grant.id())) {
      return false;
    }
    grants.compute(
        grant.id(),
        (id, entry) -> {
          Entry e = entry == null ? new Entry(grant.cluster(), grant.endsAt()) : entry;
          e.endsAt = grant.endsAt();
          e.connections.add(connection);
          return e;
        });
    if (ended.containsKey(grant.id())) {
      // The grant ended while this connection was being bound: end() has not seen it.
      unbind(connection, grant.id());
      return false;
    }
    return true;
  }

  void unbind(Connection connection, RequestId id) {
    grants.computeIfPresent(
        id,
        (key, entry) -> {
          entry.connections.remove(connection);
          return entry.connections.isEmpty() ? null : entry;
        });
  }

  /** Every grant with an open connection, with the cluster it was admitted on. */
  Map<RequestId, ClusterRef> openGrants() {
    Map<RequestId, ClusterRef> out = new HashMap<>();
    grants.forEach((id, entry) -> out.put(id, entry.cluster));
    return out;
  }

  /** When an open grant ends, as last admitted. */
  Optional<Instant> endsAt(RequestId id) {
    Entry entry = grants.get(id);
    return entry == null ? Optional.empty() : Optional.of(entry.endsAt);
  }

  void refreshEnd(RequestId id, Instant endsAt) {
    Entry entry = grants.get(id);
    if (entry != null) {
      entry.endsAt = endsAt;
    }
  }

  Optional<Ended> ended(RequestId id) {
    return Optional.ofNullable(ended.get(id));
  }

  /**
   * Records that a grant ended (the first cause is kept) and returns its connections, now unbound,
   * for the caller to cut.
   */
  List<Connection> end(RequestId id, SessionEnd.Cause cause, Instant now) {
    ended.putIfAbsent(id, new Ended(cause, now));
    Entry entry = grants.remove(id);
    return entry == null ? List.of() : List.copyOf(entry.connections);
  }

  /** Every bound connection. */
  List<Connection> all() {
    List<Connection> out = new ArrayList<>();
    grants.values().forEach(entry -> out.addAll(entry.connections));
    return out;
  }

  /** Forgets grants that ended before {@code cutoff}: the records refuse them anyway. */
  void forgetEndedBefore(Instant cutoff) {
    ended.values().removeIf(e -> e.at().isBefore(cutoff));
  }
}
