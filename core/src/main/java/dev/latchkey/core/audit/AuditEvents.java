package dev.latchkey.core.audit;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.Durations;
import dev.latchkey.core.PlainText;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Submission;
import dev.latchkey.core.port.ClusterAccess.UnmanagedObject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One factory per audit event the use cases write, so each event's details are spelled in one place
 * and log pipelines can rely on them.
 */
public final class AuditEvents {
  private AuditEvents() {}

  public static AuditEvent submissionRefused(
      Instant now, Submission s, Optional<dev.latchkey.core.CustomerId> customer, Refusal refusal) {
    return new AuditEvent(
        now,
        s.requester().user(),
        customer,
        Optional.empty(),
        AuditAction.REQUEST_REFUSED,
        AuditResult.REFUSED,
        Map.of(
            "reason",
            refusal.reason().name(),
            "cluster",
            PlainText.clean(s.cluster()),
            "role",
            PlainText.clean(s.role())));
  }

  public static AuditEvent submitted(AccessRequest r, Instant now) {
    return AuditEvent.about(
        r,
        now,
        r.requester().user(),
        AuditAction.REQUEST_SUBMITTED,
        AuditResult.OK,
        Map.of(
            "cluster",
            r.cluster().name(),
            "role",
            r.role(),
            "scope",
            r.scope().describe(),
            "duration",
            Durations.format(r.duration()),
            "reason",
            r.reason()));
  }

  public static AuditEvent approvalGiven(
      AccessRequest r, Instant now, Actor approver, Map<String, String> details) {
    return AuditEvent.about(r, now, approver, AuditAction.APPROVAL_GIVEN, AuditResult.OK, details);
  }

  public static AuditEvent approved(
      AccessRequest r, Instant now, Actor approver, Map<String, String> details, Instant end) {
    return AuditEvent.about(
        r,
        now,
        approver,
        AuditAction.REQUEST_APPROVED,
        AuditResult.OK,
        withExtra(details, "expires_at", end.toString()));
  }

  public static AuditEvent denied(
      AccessRequest r, Instant now, Actor approver, Map<String, String> details) {
    return AuditEvent.about(r, now, approver, AuditAction.REQUEST_DENIED, AuditResult.OK, details);
  }

  public static AuditEvent decisionRefused(
      AccessRequest r,
      Instant now,
      Actor actor,
      Refusal.Reason reason,
      Map<String, String> details) {
    return AuditEvent.about(
        r,
        now,
        actor,
        AuditAction.DECISION_REFUSED,
        AuditResult.REFUSED,
        withExtra(details, "reason", reason.name()));
  }

  public static AuditEvent cancelled(AccessRequest r, Instant now, Actor actor) {
    return AuditEvent.about(r, now, actor, AuditAction.REQUEST_CANCELLED, AuditResult.OK, Map.of());
  }

  public static AuditEvent cancelRefused(AccessRequest r, Instant now, Actor actor) {
    return AuditEvent.about(
        r,
        now,
        actor,
        AuditAction.DECISION_REFUSED,
        AuditResult.REFUSED,
        Map.of("reason", Refusal.Reason.NOT_REQUESTER.name(), "action", "cancel"));
  }

  public static AuditEvent revoked(
      AccessRequest r, Instant now, Actor actor, Map<String, String> details) {
    return AuditEvent.about(r, now, actor, AuditAction.REQUEST_REVOKED, AuditResult.OK, details);
  }

  public static AuditEvent revokeRefused(
      AccessRequest r, Instant now, Actor actor, Refusal.Reason reason) {
    return refused(r, now, actor, AuditAction.REVOKE_REFUSED, reason);
  }

  public static AuditEvent extensionRequested(
      AccessRequest extension, Instant now, Actor actor, RequestId original, Duration more) {
    return AuditEvent.about(
        extension,
        now,
        actor,
        AuditAction.EXTENSION_REQUESTED,
        AuditResult.OK,
        Map.of("extends", original.value(), "duration", Durations.format(more)));
  }

  public static AuditEvent extensionRefused(
      AccessRequest original, Instant now, Actor actor, Refusal.Reason reason, Duration more) {
    return AuditEvent.about(
        original,
        now,
        actor,
        AuditAction.EXTENSION_REFUSED,
        AuditResult.REFUSED,
        Map.of("reason", reason.name(), "duration", Durations.format(more)));
  }

  public static AuditEvent extended(
      AccessRequest original, Instant now, Actor actor, RequestId extension, Instant newEnd) {
    return AuditEvent.about(
        original,
        now,
        actor,
        AuditAction.REQUEST_EXTENDED,
        AuditResult.OK,
        Map.of("extension", extension.value(), "expires_at", newEnd.toString()));
  }

  public static AuditEvent credentialIssued(
      AccessRequest r, Instant now, Actor actor, Instant tokenExpiresAt) {
    return AuditEvent.about(
        r,
        now,
        actor,
        AuditAction.CREDENTIAL_ISSUED,
        AuditResult.OK,
        Map.of("token_expires_at", tokenExpiresAt.toString()));
  }

  public static AuditEvent credentialRefused(
      AccessRequest r, Instant now, Actor actor, Refusal.Reason reason) {
    return refused(r, now, actor, AuditAction.CREDENTIAL_REFUSED, reason);
  }

  public static AuditEvent credentialUnavailable(
      AccessRequest r, Instant now, Actor actor, String error) {
    return AuditEvent.about(
        r,
        now,
        actor,
        AuditAction.CREDENTIAL_REFUSED,
        AuditResult.FAILED,
        Map.of(
            "reason", Refusal.Reason.CLUSTER_UNREACHABLE.name(), "error", PlainText.clean(error)));
  }

  public static AuditEvent clusterEnabled(
      ClusterRef cluster, Instant now, Actor actor, java.util.Set<String> roles) {
    return new AuditEvent(
        now,
        actor,
        Optional.of(cluster.customer()),
        Optional.empty(),
        AuditAction.CLUSTER_ENABLED,
        AuditResult.OK,
        Map.of(
            "cluster",
            cluster.name(),
            "roles",
            String.join(",", roles.stream().sorted().toList())));
  }

  public static AuditEvent clusterDisabled(
      ClusterRef cluster, Instant now, Actor actor, boolean revokeNow) {
    return new AuditEvent(
        now,
        actor,
        Optional.of(cluster.customer()),
        Optional.empty(),
        AuditAction.CLUSTER_DISABLED,
        AuditResult.OK,
        Map.of("cluster", cluster.name(), "revoke_now", Boolean.toString(revokeNow)));
  }

  public static AuditEvent clusterChangeRefused(
      ClusterRef cluster, Instant now, Actor actor, Refusal.Reason reason, boolean enabling) {
    return new AuditEvent(
        now,
        actor,
        Optional.of(cluster.customer()),
        Optional.empty(),
        AuditAction.CLUSTER_CHANGE_REFUSED,
        AuditResult.REFUSED,
        Map.of(
            "cluster",
            cluster.name(),
            "reason",
            reason.name(),
            "change",
            enabling ? "enable" : "disable"));
  }

  /**
   * A change Latchkey itself makes (time-out, grant, expiry, failure, removal): failures and
   * retries are recorded as FAILED.
   */
  public static AuditEvent system(
      AccessRequest r, Instant now, AuditAction action, Map<String, String> details) {
    AuditResult result =
        switch (action) {
          case GRANT_FAILED, GRANT_RETRY, GRANT_REMOVAL_RETRY -> AuditResult.FAILED;
          default -> AuditResult.OK;
        };
    return AuditEvent.about(r, now, Actor.SYSTEM, action, result, details);
  }

  public static AuditEvent orphanRemoved(
      ClusterRef cluster, Instant now, RequestId id, String kinds, String requestState) {
    return new AuditEvent(
        now,
        Actor.SYSTEM,
        Optional.of(cluster.customer()),
        Optional.of(id),
        AuditAction.RECONCILE_ORPHAN_REMOVED,
        AuditResult.OK,
        Map.of("cluster", cluster.name(), "kinds", kinds, "request_state", requestState));
  }

  /**
   * Something that reaches {@code latchkey-grants} and that Latchkey did not make appeared or went.
   */
  public static AuditEvent unmanaged(
      ClusterRef cluster, Instant now, UnmanagedObject object, boolean found) {
    Map<String, String> details = new HashMap<>();
    details.put("cluster", cluster.name());
    details.put("kind", object.kind().kubernetesKind());
    object.namespace().ifPresent(ns -> details.put("namespace", ns));
    details.put("name", PlainText.clean(object.name()));
    object.role().ifPresent(role -> details.put("role", PlainText.clean(role.describe())));
    object.tokenOf().ifPresent(sa -> details.put("token_of", PlainText.clean(sa)));
    return new AuditEvent(
        now,
        Actor.CLUSTER,
        Optional.of(cluster.customer()),
        Optional.empty(),
        found ? AuditAction.RECONCILE_UNMANAGED_FOUND : AuditAction.RECONCILE_UNMANAGED_GONE,
        found ? AuditResult.FAILED : AuditResult.OK,
        details);
  }

  public static AuditEvent grantMissing(AccessRequest r, Instant now, String missing) {
    return AuditEvent.about(
        r,
        now,
        Actor.CLUSTER,
        AuditAction.RECONCILE_GRANT_MISSING,
        AuditResult.OK,
        Map.of("missing", missing));
  }

  /**
   * The details an adapter passes with a decision (e.g. a written reply's text), cleaned to be
   * recordable, with the decision's method.
   */
  public static Map<String, String> withMethod(Map<String, String> details, DecisionMethod method) {
    Map<String, String> out = new HashMap<>();
    details.forEach((k, v) -> out.put(PlainText.clean(k), PlainText.clean(v)));
    out.put("method", method.audit());
    return out;
  }

  public static Map<String, String> withExtra(
      Map<String, String> details, String key, String value) {
    Map<String, String> out = new HashMap<>(details);
    out.put(key, value);
    return out;
  }

  /** A refusal about a request: its reason, as the core named it. */
  private static AuditEvent refused(
      AccessRequest r, Instant now, Actor actor, AuditAction action, Refusal.Reason reason) {
    return AuditEvent.about(
        r, now, actor, action, AuditResult.REFUSED, Map.of("reason", reason.name()));
  }
}
