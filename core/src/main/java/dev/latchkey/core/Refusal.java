package dev.latchkey.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Why a rule said no: a stable reason and the facts it rests on (which cluster, which limit). The
 * core gives reasons; the adapter that answers a person writes the words.
 */
public record Refusal(Reason reason, Map<Fact, String> facts) {
  public Refusal {
    Objects.requireNonNull(reason, "reason");
    facts =
        facts.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new EnumMap<>(Objects.requireNonNull(facts, "facts")));
  }

  /** A refusal with no facts beyond its reason. */
  public static Refusal of(Reason reason) {
    return new Refusal(reason, Map.of());
  }

  /** This refusal with one more fact. */
  public Refusal with(Fact fact, String value) {
    EnumMap<Fact, String> more = facts.isEmpty() ? new EnumMap<>(Fact.class) : new EnumMap<>(facts);
    more.put(fact, Objects.requireNonNull(value, fact.name()));
    return new Refusal(reason, more);
  }

  public Optional<String> fact(Fact fact) {
    return Optional.ofNullable(facts.get(fact));
  }

  /** Stable reasons, so adapters can choose the words to show and tests can match. */
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
    PROTECTED_NAMESPACE,
    NAMESPACES_REQUIRED,
    ROLE_REACHES_LATCHKEY,
    INVISIBLE_CHARACTER,
    /** A recording of the requester's own session, asked for by the requester. */
    OWN_SESSION,
    /** A session without a recording (port-forward, or nothing was recorded). */
    NOT_RECORDED,
    /** A session still open: its recording is not complete and its hash not yet recorded. */
    SESSION_OPEN,
    /** A recording that no longer matches the hash its session's end recorded. */
    RECORDING_ALTERED
  }

  /**
   * The facts a refusal can carry. Durations are written as {@link Durations#format}, instants as
   * ISO-8601, lists joined with {@code ", "}.
   */
  public enum Fact {
    /** The cluster concerned. */
    CLUSTER,
    /** The clusters a customer has. */
    CLUSTERS,
    /** The role concerned. */
    ROLE,
    /** The roles a cluster offers. */
    ROLES,
    /** The roles enabled on a cluster now. */
    ENABLED_ROLES,
    /** The ClusterRole a role binds. */
    CLUSTER_ROLE,
    /** The namespace concerned. */
    NAMESPACE,
    /** The namespaces a cluster allows requests to name. */
    ALLOWED_NAMESPACES,
    /** The namespaces no grant may reach. */
    PROTECTED_NAMESPACES,
    /** A count limit (characters of a reason, namespaces of a request). */
    LIMIT,
    /** The longest a role may be held. */
    MAXIMUM,
    /** The duration asked for. */
    ASKED,
    /** The most an extension may add now. */
    ALLOWED_MORE,
    /** The shortest grant a cluster makes. */
    MINIMUM,
    /** Kubernetes' shortest token. */
    TOKEN_MINIMUM,
    /** The time a hand-out may take beyond the shortest token. */
    LEEWAY,
    /** When access (or an extension) would end. */
    ENDS_AT,
    /** The request concerned. */
    REQUEST,
    /** The state the request is in. */
    STATE,
    /** What a role reaches of Latchkey's pod (enum names of the cluster port's PodReach). */
    REACHES,
    /** A character that may not stand in text people typed, named as {@code U+202E}. */
    CHARACTER,
    /** An error reported by a cluster. */
    ERROR,
    /** The request is an extension (the value names the access it extends). */
    EXTENDS,
    /** The gateway session concerned. */
    SESSION
  }
}
