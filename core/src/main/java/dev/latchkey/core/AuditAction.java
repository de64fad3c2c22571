package dev.latchkey.core;

import java.util.Locale;

/**
 * Every kind of event the audit trail records; the stable names are what log pipelines match on.
 */
public enum AuditAction {
  REQUEST_SUBMITTED,
  REQUEST_REFUSED,
  APPROVAL_GIVEN,
  REQUEST_APPROVED,
  DECISION_REFUSED,
  REQUEST_DENIED,
  REQUEST_TIMED_OUT,
  REQUEST_CANCELLED,
  GRANT_CREATED,
  GRANT_RETRY,
  GRANT_FAILED,
  REQUEST_REVOKED,
  REVOKE_REFUSED,
  REQUEST_EXPIRED,
  GRANT_REMOVED,
  GRANT_REMOVAL_RETRY,
  EXTENSION_REQUESTED,
  EXTENSION_REFUSED,
  REQUEST_EXTENDED,
  CREDENTIAL_ISSUED,
  CREDENTIAL_REFUSED,
  CLUSTER_ENABLED,
  CLUSTER_DISABLED,
  CLUSTER_CHANGE_REFUSED,
  RECONCILE_ORPHAN_REMOVED,
  RECONCILE_GRANT_MISSING,
  RECONCILE_UNMANAGED_FOUND,
  RECONCILE_UNMANAGED_GONE,
  SESSION_STARTED,
  SESSION_ENDED,
  ACTIVITY_REFUSED,
  RECORDING_SENT,
  RECORDING_REFUSED;

  /** The name in the log: {@code request.submitted}, {@code grant.created}, ... */
  public String eventName() {
    String lower = name().toLowerCase(Locale.ROOT);
    int first = lower.indexOf('_');
    return lower.substring(0, first) + "." + lower.substring(first + 1);
  }
}
