package dev.latchkey.storage;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.Scope;
import dev.latchkey.core.session.GrantStanding;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Columns of table {@code requests}: every field of {@link AccessRequest}, plus due_at, changed_at,
 * card_outdated.
 */
final class RequestRows {
  /** The fields of the request, in table order, without version and the store's own columns. */
  static final List<String> FIELDS =
      List.of(
          "id",
          "kind",
          "extends_request",
          "customer",
          "cluster",
          "role",
          "scope",
          "credentials",
          "requester_team",
          "requester_user",
          "requester_email",
          "reason",
          "duration",
          "created_at",
          "pending_expires_at",
          "approvals_required",
          "approvals",
          "state",
          "decided_at",
          "decided_by",
          "granted_at",
          "expires_at",
          "ended_at",
          "ended_by",
          "failure",
          "grant_present",
          "attempts",
          "next_attempt_at",
          "reminder_sent");

  static final String SELECT = "SELECT " + String.join(", ", FIELDS) + ", version FROM requests";

  /** The columns of a {@link GrantStanding}: what the gateway reads on every request. */
  static final String SELECT_STANDING =
      "SELECT id, kind, customer, cluster, role, credentials, state, expires_at FROM requests";

  private RequestRows() {}

  /**
   * Binds every field of {@code r} and {@code due_at} under their column names; text holding a NUL
   * is refused.
   */
  static <S extends SqlStatement<S>> S bind(S s, AccessRequest r) {
    String what = "store request " + r.id();
    s.bind("id", r.id())
        .bind("kind", r.kind())
        .bind("customer", r.cluster().customer())
        .bind("cluster", r.cluster().name())
        .bind("role", Sql.requireNoNul(what, "role", r.role()))
        .bind("scope", r.scope())
        .bind("credentials", r.credentials())
        .bind("requester_team", r.requester().user().teamId())
        .bind("requester_user", r.requester().user().userId())
        .bind("reason", Sql.requireNoNul(what, "reason", r.reason()))
        .bind("duration", r.duration())
        .bind("created_at", r.createdAt())
        .bind("pending_expires_at", r.pendingExpiresAt())
        .bind("approvals_required", r.approvalsRequired())
        .bindByType("approvals", r.approvals(), ColumnTypes.APPROVALS)
        .bind("state", r.state())
        .bind("grant_present", r.grantPresent())
        .bind("attempts", r.attempts())
        .bind("reminder_sent", r.reminderSent());
    Sql.bindOptional(s, "extends_request", r.extendsRequest(), RequestId.class);
    Sql.bindOptional(
        s,
        "requester_email",
        r.requester().email().map(e -> Sql.requireNoNul(what, "requester_email", e)),
        String.class);
    Sql.bindOptional(s, "decided_at", r.decidedAt(), Instant.class);
    Sql.bindOptional(s, "decided_by", r.decidedBy(), Actor.class);
    Sql.bindOptional(s, "granted_at", r.grantedAt(), Instant.class);
    Sql.bindOptional(s, "expires_at", r.expiresAt(), Instant.class);
    Sql.bindOptional(s, "ended_at", r.endedAt(), Instant.class);
    Sql.bindOptional(s, "ended_by", r.endedBy(), Actor.class);
    Sql.bindOptional(
        s, "failure", r.failure().map(f -> Sql.requireNoNul(what, "failure", f)), String.class);
    Sql.bindOptional(s, "next_attempt_at", r.nextAttemptAt(), Instant.class);
    Sql.bindOptional(s, "due_at", r.dueAt(), Instant.class);
    return s;
  }

  /** Reads a row of {@link #SELECT_STANDING}. */
  static GrantStanding readStanding(ResultSet rs, StatementContext ctx) throws SQLException {
    String id = rs.getString("id");
    Columns c = new Columns(rs, ctx);
    try {
      return new GrantStanding(
          c.get("id", RequestId.class),
          c.get("kind", RequestKind.class),
          c.cluster(),
          c.get("role", String.class),
          c.get("credentials", CredentialMode.class),
          c.get("state", RequestState.class),
          c.optional("expires_at", Instant.class));
    } catch (RuntimeException e) {
      throw new StoreException("request " + id + " cannot be read: " + e.getMessage(), e);
    }
  }

  static AccessRequest read(ResultSet rs, StatementContext ctx) throws SQLException {
    String id = rs.getString("id");
    Columns c = new Columns(rs, ctx);
    try {
      return new AccessRequest(
          c.get("id", RequestId.class),
          c.get("kind", RequestKind.class),
          c.optional("extends_request", RequestId.class),
          c.cluster(),
          c.get("role", String.class),
          c.get("scope", Scope.class),
          c.get("credentials", CredentialMode.class),
          new Requester(
              new Actor.SlackUser(
                  c.get("requester_team", String.class), c.get("requester_user", String.class)),
              c.optional("requester_email", String.class)),
          c.get("reason", String.class),
          c.get("duration", Duration.class),
          c.get("created_at", Instant.class),
          c.get("pending_expires_at", Instant.class),
          rs.getInt("approvals_required"),
          c.get("approvals", ColumnTypes.APPROVALS),
          c.get("state", RequestState.class),
          c.optional("decided_at", Instant.class),
          c.optional("decided_by", Actor.class),
          c.optional("granted_at", Instant.class),
          c.optional("expires_at", Instant.class),
          c.optional("ended_at", Instant.class),
          c.optional("ended_by", Actor.class),
          c.optional("failure", String.class),
          rs.getBoolean("grant_present"),
          rs.getInt("attempts"),
          c.optional("next_attempt_at", Instant.class),
          rs.getBoolean("reminder_sent"),
          rs.getLong("version"));
    } catch (RuntimeException e) {
      throw new StoreException("request " + id + " cannot be read: " + e.getMessage(), e);
    }
  }
}
