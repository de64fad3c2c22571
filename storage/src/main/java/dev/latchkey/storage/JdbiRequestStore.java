package dev.latchkey.storage;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.RequestStore.Change;
import dev.latchkey.core.session.GrantStanding;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Requests in table {@code requests}. Every write is one transaction holding the row change and its
 * audit events; changes are conditional on the version and state the caller read.
 */
final class JdbiRequestStore implements RequestStore {
  private static final String INSERT =
      "INSERT INTO requests ("
          + String.join(", ", RequestRows.FIELDS)
          + ", version, due_at, changed_at, card_outdated) VALUES ("
          + RequestRows.FIELDS.stream().map(f -> ":" + f).collect(Collectors.joining(", "))
          + ", 0, :due_at, :changed_at, TRUE)";

  private static final String UPDATE =
      "UPDATE requests SET "
          + RequestRows.FIELDS.stream()
              .filter(f -> !f.equals("id"))
              .map(f -> f + " = :" + f)
              .collect(Collectors.joining(", "))
          + ", version = version + 1, due_at = :due_at, changed_at = :changed_at, card_outdated ="
          + " TRUE WHERE id = :id AND version = :expected_version AND state = :expected_state";

  private static final String FINAL_STATES =
      Arrays.stream(RequestState.values())
          .filter(RequestState::isFinal)
          .map(s -> "'" + s.name() + "'")
          .collect(Collectors.joining(", "));

  /**
   * Ids per {@code IN (...)} query of {@link #findAll}: far below PostgreSQL's 32,767 bound
   * parameters, and a statement whose text stays small.
   */
  static final int FIND_ALL_CHUNK = 500;

  private final Sql sql;
  private final AuditChain chain;
  private final Clock clock;
  private final int findAllChunk;
  private final Standings standings;

  JdbiRequestStore(Sql sql, AuditChain chain, Clock clock, Standings standings) {
    this(sql, chain, clock, standings, FIND_ALL_CHUNK);
  }

  /** With another chunk size for {@link #findAll}, so a test crosses chunks with a few rows. */
  JdbiRequestStore(Sql sql, AuditChain chain, Clock clock, Standings standings, int findAllChunk) {
    this.sql = sql;
    this.chain = chain;
    this.clock = clock;
    this.standings = standings;
    this.findAllChunk = findAllChunk;
  }

  @Override
  public void insert(AccessRequest request, List<AuditEvent> events) {
    List<StoredAuditEvent> stored;
    try {
      stored = insertRow(request, events);
    } finally {
      standings.written(List.of(request.id()));
    }
    chain.committed(stored);
  }

  private List<StoredAuditEvent> insertRow(AccessRequest request, List<AuditEvent> events) {
    try {
      return sql.inTransaction(
          "store request " + request.id(),
          h -> {
            RequestRows.bind(h.createUpdate(INSERT), request)
                .bind("changed_at", clock.instant())
                .execute();
            return chain.append(h, events);
          });
    } catch (StoreException e) {
      if (Sql.isUniqueViolation(e) && exists(request.id())) {
        throw new StoreException("request " + request.id() + " already exists", e.getCause());
      }
      throw e;
    }
  }

  @Override
  public Optional<AccessRequest> find(RequestId id) {
    return sql.withHandle("read request " + id, h -> find(h, id));
  }

  @Override
  public Optional<GrantStanding> standing(RequestId id) {
    Optional<GrantStanding> known = standings.known(id);
    if (known.isPresent()) {
      return known;
    }
    long stamp = standings.readStarts();
    Optional<GrantStanding> read =
        sql.withHandle(
            "read the standing of request " + id,
            h ->
                h.createQuery(RequestRows.SELECT_STANDING + " WHERE id = :id")
                    .bind("id", id.value())
                    .map(RequestRows::readStanding)
                    .findOne());
    read.ifPresent(r -> standings.read(stamp, r));
    return read;
  }

  @Override
  public Optional<GrantStanding> standingInMemory(RequestId id) {
    return standings.known(id);
  }

  @Override
  public List<GrantStanding> standings(Collection<RequestId> ids) {
    long stamp = standings.readStarts();
    List<GrantStanding> read =
        inChunks(
            "read the standing of", RequestRows.SELECT_STANDING, RequestRows::readStanding, ids);
    read.forEach(r -> standings.read(stamp, r));
    return read;
  }

  @Override
  public List<AccessRequest> findAll(Collection<RequestId> ids) {
    return inChunks("read", RequestRows.SELECT, RequestRows::read, ids);
  }

  /** The rows of many requests, asked {@code findAllChunk} ids at a time; unknown ids left out. */
  private <T> List<T> inChunks(
      String reading, String select, RowMapper<T> rows, Collection<RequestId> ids) {
    List<String> distinct = ids.stream().map(RequestId::value).distinct().toList();
    if (distinct.isEmpty()) {
      return List.of();
    }
    return sql.withHandle(
        reading + " " + distinct.size() + " requests",
        h -> {
          List<T> found = new ArrayList<>(distinct.size());
          for (int from = 0; from < distinct.size(); from += findAllChunk) {
            found.addAll(
                h.createQuery(select + " WHERE id IN (<ids>)")
                    .bindList(
                        "ids",
                        distinct.subList(from, Math.min(from + findAllChunk, distinct.size())))
                    .map(rows)
                    .list());
          }
          return found;
        });
  }

  @Override
  public Update update(AccessRequest current, AccessRequest next, List<AuditEvent> events) {
    if (!current.id().equals(next.id())) {
      throw new IllegalArgumentException(
          "an update cannot change the id: " + current.id() + " to " + next.id());
    }
    Outcome outcome;
    try {
      outcome =
          sql.inTransaction(
              "update request " + current.id(), h -> update(h, new Change(current, next, events)));
    } finally {
      standings.written(List.of(current.id()));
    }
    chain.committed(outcome.events());
    return outcome.update();
  }

  @Override
  public List<Update> updateAll(List<Change> changes) {
    if (changes.isEmpty()) {
      return List.of();
    }
    // Locks are taken in one order everywhere: request rows by id, then the audit chain's head, as
    // a single
    // update takes them. A batch that appended after each row would hold the head while waiting for
    // a row a
    // single update holds while waiting for the head: a deadlock, which PostgreSQL ends by failing
    // one of them.
    List<Integer> byId =
        IntStream.range(0, changes.size())
            .boxed()
            .sorted(Comparator.comparing(i -> changes.get(i).current().id().value()))
            .toList();
    Update[] updates = new Update[changes.size()];
    List<StoredAuditEvent> stored;
    try {
      stored = updateRows(changes, byId, updates);
    } finally {
      standings.written(changes.stream().map(c -> c.current().id()).toList());
    }
    chain.committed(stored);
    return List.of(updates);
  }

  private List<StoredAuditEvent> updateRows(
      List<Change> changes, List<Integer> byId, Update[] updates) {
    return sql.inTransaction(
        "update " + changes.size() + " requests",
        h -> {
          for (int i : byId) {
            updates[i] = updateRow(h, changes.get(i));
          }
          List<AuditEvent> events = new ArrayList<>();
          for (int i = 0; i < changes.size(); i++) {
            if (updates[i] instanceof Update.Applied) {
              events.addAll(changes.get(i).events());
            }
          }
          return chain.append(h, events);
        });
  }

  private Outcome update(Handle h, Change change) {
    Update update = updateRow(h, change);
    List<StoredAuditEvent> stored =
        update instanceof Update.Applied ? chain.append(h, change.events()) : List.of();
    return new Outcome(update, stored);
  }

  /** The conditional update of the request's row alone; on a lost race, the state that won. */
  private Update updateRow(Handle h, Change change) {
    AccessRequest current = change.current();
    int changed =
        RequestRows.bind(h.createUpdate(UPDATE), change.next())
            .bind("changed_at", clock.instant())
            .bind("expected_version", current.version())
            .bind("expected_state", current.state().name())
            .execute();
    if (changed == 0) {
      return new Update.Conflict(
          find(h, current.id())
              .orElseThrow(
                  () -> new StoreException("request " + current.id() + " does not exist")));
    }
    return new Update.Applied(change.next().withVersion(current.version() + 1));
  }

  @Override
  public List<AccessRequest> findDue(Instant now, int limit) {
    return due("find due requests", "", Map.of(), now, limit);
  }

  @Override
  public List<AccessRequest> findDue(ClusterRef cluster, Instant now, int limit) {
    return due(
        "find due requests on " + cluster,
        " AND customer = :customer AND cluster = :cluster",
        Map.of("customer", cluster.customer(), "cluster", cluster.name()),
        now,
        limit);
  }

  @Override
  public List<AccessRequest> findDueToSettle(Instant now, int limit) {
    return due(
        "find due requests to settle", " AND state IN ('PENDING', 'ACTIVE')", Map.of(), now, limit);
  }

  /** Requests due at or before {@code now} that also meet {@code and}, earliest first. */
  private List<AccessRequest> due(
      String what, String and, Map<String, Object> params, Instant now, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    Map<String, Object> all = new HashMap<>(params);
    all.put("earliest", Long.MIN_VALUE);
    all.put("now", now);
    all.put("limit", limit);
    // The lower bound matters: H2 keeps NULLs (requests never due again) at the start of the index,
    // so an open-ended range would walk past every finished request before reaching the first due
    // one.
    return select(
        what,
        "due_at >= :earliest AND due_at <= :now" + and + " ORDER BY due_at, id LIMIT :limit",
        all);
  }

  @Override
  public Set<ClusterRef> findClustersWithDue(Instant now) {
    return sql.withHandle(
        "find clusters with due requests",
        h ->
            h.createQuery(
                    "SELECT DISTINCT customer, cluster FROM requests WHERE due_at >= :earliest AND"
                        + " due_at <= :now")
                .bind("earliest", Long.MIN_VALUE)
                .bind("now", now)
                .map(
                    (rs, ctx) ->
                        new ClusterRef(
                            new CustomerId(rs.getString("customer")), rs.getString("cluster")))
                .collect(Collectors.toCollection(LinkedHashSet::new)));
  }

  @Override
  public List<AccessRequest> findOpen(CustomerId customer) {
    return select(
            "find open requests of " + customer,
            "customer = :customer AND state IN ('PENDING', 'APPROVED', 'ACTIVE') ORDER BY"
                + " created_at, id",
            Map.of("customer", customer))
        .stream()
        .filter(AccessRequest::isOpen)
        .toList();
  }

  @Override
  public List<AccessRequest> findHoldingAccess(ClusterRef cluster) {
    return select(
            "find requests holding access on " + cluster,
            "customer = :customer AND cluster = :cluster AND state IN ('APPROVED', 'ACTIVE') ORDER"
                + " BY created_at, id",
            Map.of("customer", cluster.customer(), "cluster", cluster.name()))
        .stream()
        .filter(AccessRequest::holdsAccess)
        .toList();
  }

  @Override
  public List<AccessRequest> findPendingExtensions(RequestId original) {
    return select(
        "find pending extensions of " + original,
        "extends_request = :original AND state = 'PENDING' ORDER BY created_at, id",
        Map.of("original", original));
  }

  @Override
  public List<AccessRequest> findRevocationsPending() {
    return select(
        "find pending revocations",
        "grant_present = TRUE AND state IN (" + FINAL_STATES + ") ORDER BY due_at, id",
        Map.of());
  }

  /** The requests {@code where} selects (with its ORDER BY and LIMIT), each param bound by name. */
  private List<AccessRequest> select(String what, String where, Map<String, ?> params) {
    return sql.list(what, RequestRows.SELECT + " WHERE " + where, params, RequestRows::read);
  }

  private static Optional<AccessRequest> find(Handle h, RequestId id) {
    return h.createQuery(RequestRows.SELECT + " WHERE id = :id")
        .bind("id", id.value())
        .map(RequestRows::read)
        .findOne();
  }

  private boolean exists(RequestId id) {
    try {
      return find(id).isPresent();
    } catch (StoreException e) {
      return false;
    }
  }

  private record Outcome(Update update, List<StoredAuditEvent> events) {}
}
