package dev.latchkey.storage;

import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.EnablementStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Update;

/**
 * Support access switches in table {@code cluster_enablements}, one row per cluster once first
 * changed.
 */
final class JdbiEnablementStore implements EnablementStore {
  private final Sql sql;
  private final AuditChain chain;

  JdbiEnablementStore(Sql sql, AuditChain chain) {
    this.sql = sql;
    this.chain = chain;
  }

  @Override
  public Optional<ClusterEnablement> find(ClusterRef cluster) {
    return sql.withHandle("read whether " + cluster + " is enabled", h -> find(h, cluster));
  }

  private static Optional<ClusterEnablement> find(Handle h, ClusterRef cluster) {
    return h.createQuery(
            "SELECT enabled, roles, changed_at, changed_by FROM cluster_enablements "
                + "WHERE customer = :customer AND cluster = :cluster")
        .bind("customer", cluster.customer().value())
        .bind("cluster", cluster.name())
        .map(
            (rs, ctx) -> {
              Columns c = new Columns(rs, ctx);
              try {
                return new ClusterEnablement(
                    cluster,
                    rs.getBoolean("enabled"),
                    c.get("roles", ColumnTypes.ROLES),
                    c.optional("changed_at", Instant.class),
                    c.optional("changed_by", Actor.class));
              } catch (RuntimeException e) {
                throw new StoreException(
                    "the switch of " + cluster + " cannot be read: " + e.getMessage(), e);
              }
            })
        .findOne();
  }

  /**
   * Appends the event first: the chain's lock then also serializes concurrent saves, so
   * update-else-insert cannot race with another insert of the same cluster.
   */
  @Override
  public void save(ClusterEnablement enablement, AuditEvent event) {
    write(stored -> true, enablement, event);
  }

  @Override
  public boolean saveIf(
      Optional<ClusterEnablement> expected, ClusterEnablement enablement, AuditEvent event) {
    return write(expected::equals, enablement, event);
  }

  /**
   * Writes if the stored state, read under the chain's lock, is {@code writable}; says whether it
   * wrote.
   */
  private boolean write(
      Predicate<Optional<ClusterEnablement>> writable,
      ClusterEnablement enablement,
      AuditEvent event) {
    List<StoredAuditEvent> stored;
    try {
      stored =
          sql.inTransaction(
              "switch " + enablement.cluster(),
              h -> {
                List<StoredAuditEvent> appended = chain.append(h, List.of(event));
                if (!writable.test(find(h, enablement.cluster()))) {
                  throw new ChangedMeanwhile(); // rolls the appended event back
                }
                int changed =
                    bind(
                            h.createUpdate(
                                "UPDATE cluster_enablements SET enabled = :enabled, roles = :roles,"
                                    + " changed_at = :changed_at, changed_by = :changed_by WHERE"
                                    + " customer = :customer AND cluster = :cluster"),
                            enablement)
                        .execute();
                if (changed == 0) {
                  bind(
                          h.createUpdate(
                              "INSERT INTO cluster_enablements (customer, cluster, enabled, roles,"
                                  + " changed_at, changed_by) VALUES (:customer, :cluster,"
                                  + " :enabled, :roles, :changed_at, :changed_by)"),
                          enablement)
                      .execute();
                }
                return appended;
              });
    } catch (ChangedMeanwhile e) {
      return false;
    }
    chain.committed(stored);
    return true;
  }

  private static final class ChangedMeanwhile extends RuntimeException {
    ChangedMeanwhile() {
      super("the switch changed since it was read", null, false, false);
    }
  }

  private static Update bind(Update update, ClusterEnablement e) {
    update
        .bind("customer", e.cluster().customer().value())
        .bind("cluster", e.cluster().name())
        .bind("enabled", e.enabled())
        .bindByType("roles", e.roles(), ColumnTypes.ROLES);
    Sql.bindOptional(update, "changed_at", e.changedAt(), Instant.class);
    Sql.bindOptional(update, "changed_by", e.changedBy(), Actor.class);
    return update;
  }
}
