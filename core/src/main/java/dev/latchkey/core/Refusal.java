package dev.latchkey.core;

import java.util.Objects;

/** Why a rule said no, with a message fit to show the person who asked. */
public record Refusal(Reason reason, String message) {
  public Refusal {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  /** Stable reasons, so adapters can choose a form to show and tests can match. */
  public enum Reason {
    UNKNOWN_CUSTOMER,
    UNKNOWN_CLUSTER,
    UNKNOWN_ROLE,
    CLUSTER_DISABLED,
    ROLE_NOT_ENABLED,
    MISSING_REASON,
    REASON_TOO_LONG,
    INVALID_REASON,
    INVALID_DURATION,
    DURATION_ABOVE_MAXIMUM,
    DURATION_TOO_SHORT,
    INVALID_NAMESPACE,
    NAMESPACE_NOT_ALLOWED,
    NOT_APPROVER,
    SELF_APPROVAL,
    FOREIGN_WORKSPACE,
    APPROVER_UNVERIFIED,
    NOT_REQUESTER,
    NOT_ALLOWED,
    NOT_ACTIVE,
    EXTENSION_PENDING,
    ROLE_MISSING_IN_CLUSTER,
    ROLE_GRANTS_SECRETS,
    CLUSTER_UNREACHABLE,
    NOT_TOKEN_MODE,
    TOO_CLOSE_TO_EXPIRY,
    CHANGED_MEANWHILE,
    INVISIBLE_CHARACTER
  }
}
