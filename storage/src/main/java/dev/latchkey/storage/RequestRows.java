package dev.latchkey.storage;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.statement.SqlStatement;

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

  private RequestRows() {}

  /**
   * Binds every field of {@code r} and {@code due_at} under their column names; text holding a NUL
   * is refused.
   */
  static <S extends SqlStatement<S>> S bind(S s, AccessRequest r) {
    String what = "store request " + r.id();
    s.bind("id", r.id().value())
        .bind("kind", r.kind().name())
        .bind("customer", r.cluster().customer().value())
        .bind("cluster", r.cluster().name())
        .bind("role", Sql.requireNoNul(what, "role", r.role()))
        .bind("scope", Codec.scope(r.scope()))
        .bind("credentials", r.credentials().name())
        .bind("requester_team", r.requester().user().teamId())
        .bind("requester_user", r.requester().user().userId())
        .bind("reason", Sql.requireNoNul(what, "reason", r.reason()))
        .bind("duration", r.duration().toString())
        .bind("created_at", Codec.nanos(r.createdAt()))
        .bind("pending_expires_at", Codec.nanos(r.pendingExpiresAt()))
        .bind("approvals_required", r.approvalsRequired())
        .bind("approvals", Codec.approvals(r.approvals()))
        .bind("state", r.state().name())
        .bind("grant_present", r.grantPresent())
        .bind("attempts", r.attempts())
        .bind("reminder_sent", r.reminderSent());
    Sql.bindText(s, "extends_request", r.extendsRequest().map(RequestId::value));
    Sql.bindText(
        s,
        "requester_email",
        r.requester().email().map(e -> Sql.requireNoNul(what, "requester_email", e)));
    Sql.bindLong(s, "decided_at", Codec.nanos(r.decidedAt()));
    Sql.bindText(s, "decided_by", r.decidedBy().map(Actor::audit));
    Sql.bindLong(s, "granted_at", Codec.nanos(r.grantedAt()));
    Sql.bindLong(s, "expires_at", Codec.nanos(r.expiresAt()));
    Sql.bindLong(s, "ended_at", Codec.nanos(r.endedAt()));
    Sql.bindText(s, "ended_by", r.endedBy().map(Actor::audit));
    Sql.bindText(s, "failure", r.failure().map(f -> Sql.requireNoNul(what, "failure", f)));
    Sql.bindLong(s, "next_attempt_at", Codec.nanos(r.nextAttemptAt()));
    Sql.bindLong(s, "due_at", Codec.nanos(r.dueAt()));
    return s;
  }

  static AccessRequest read(ResultSet rs) throws SQLException {
    String id = rs.getString("id");
    try {
      return new AccessRequest(
          new RequestId(id),
          RequestKind.valueOf(rs.getString("kind")),
          Codec.optionalText(rs, "extends_request").map(RequestId::new),
          new ClusterRef(new CustomerId(rs.getString("customer")), rs.getString("cluster")),
          rs.getString("role"),
          Codec.scope(rs.getString("scope")),
          CredentialMode.valueOf(rs.getString("credentials")),
          new Requester(
              new Actor.SlackUser(rs.getString("requester_team"), rs.getString("requester_user")),
              Codec.optionalText(rs, "requester_email")),
          rs.getString("reason"),
          Duration.parse(rs.getString("duration")),
          Codec.instant(rs, "created_at"),
          Codec.instant(rs, "pending_expires_at"),
          rs.getInt("approvals_required"),
          Codec.approvals(rs.getString("approvals")),
          RequestState.valueOf(rs.getString("state")),
          Codec.optionalInstant(rs, "decided_at"),
          Codec.optionalActor(rs, "decided_by"),
          Codec.optionalInstant(rs, "granted_at"),
          Codec.optionalInstant(rs, "expires_at"),
          Codec.optionalInstant(rs, "ended_at"),
          Codec.optionalActor(rs, "ended_by"),
          Codec.optionalText(rs, "failure"),
          rs.getBoolean("grant_present"),
          rs.getInt("attempts"),
          Codec.optionalInstant(rs, "next_attempt_at"),
          rs.getBoolean("reminder_sent"),
          rs.getLong("version"));
    } catch (RuntimeException e) {
      throw new StoreException("request " + id + " cannot be read: " + e.getMessage(), e);
    }
  }
}
