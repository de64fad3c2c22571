package dev.latchkey.core.rules;

import dev.latchkey.core.ClusterEnablement;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Durations;
import dev.latchkey.core.PlainText;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Submission;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * What a submission must be to become a request: a configured cluster and role, switched on, a
 * plain reason of bounded length with no invisible or direction-changing characters, a duration the
 * role allows, namespaces the cluster allows and none that is protected.
 */
public final class SubmissionRules {
  /** Slack shows at most this much of a reason; longer ones are refused rather than cut. */
  public static final int MAX_REASON_LENGTH = 500;

  /**
   * The shortest grant with a ServiceAccount token: long enough to leave a few minutes in which a
   * kubeconfig can be fetched.
   */
  public static final Duration MIN_TOKEN_GRANT = Duration.ofMinutes(15);

  private SubmissionRules() {}

  /** A submission that passed every rule, with what it resolved to. */
  public record Accepted(
      ClusterPolicy policy, RoleDefinition role, Scope scope, Duration duration, String reason) {}

  /**
   * Checks {@code s} against its customer's configuration and the switches as {@code enablement}
   * reports them; either side is what the request will be made of, or why not.
   */
  public static Checked check(
      Customer customer, Submission s, Function<ClusterRef, ClusterEnablement> enablement) {
    Optional<ClusterPolicy> policyFound = customer.cluster(s.cluster());
    if (policyFound.isEmpty()) {
      return refused(
          Refusal.of(Refusal.Reason.UNKNOWN_CLUSTER)
              .with(Fact.CLUSTER, s.cluster())
              .with(Fact.CLUSTERS, String.join(", ", customer.clusterNames())));
    }
    ClusterPolicy policy = policyFound.get();
    Optional<RoleDefinition> roleFound = policy.role(s.role());
    if (roleFound.isEmpty()) {
      return refused(
          Refusal.of(Refusal.Reason.UNKNOWN_ROLE)
              .with(Fact.ROLE, s.role())
              .with(Fact.CLUSTER, policy.cluster().name())
              .with(Fact.ROLES, String.join(", ", policy.roles().keySet())));
    }
    RoleDefinition role = roleFound.get();
    Optional<Refusal> disabled =
        EnablementRules.refusal(enablement.apply(policy.cluster()), policy.cluster(), role.name());
    if (disabled.isPresent()) {
      return refused(disabled.get());
    }
    String reason = s.reason().strip();
    if (reason.isEmpty()) {
      return refused(Refusal.of(Refusal.Reason.MISSING_REASON));
    }
    if (reason.codePointCount(0, reason.length()) > MAX_REASON_LENGTH) {
      return refused(
          Refusal.of(Refusal.Reason.REASON_TOO_LONG)
              .with(Fact.LIMIT, Integer.toString(MAX_REASON_LENGTH)));
    }
    if (!PlainText.isPlain(reason)) {
      return refused(Refusal.of(Refusal.Reason.INVALID_REASON));
    }
    OptionalInt invisible = PlainText.firstInvisible(reason);
    if (invisible.isPresent()) {
      return refused(
          Refusal.of(Refusal.Reason.INVISIBLE_CHARACTER)
              .with(Fact.CHARACTER, PlainText.name(invisible.getAsInt())));
    }
    Duration duration = s.duration().orElse(policy.defaultDuration(role));
    Optional<Refusal> badDuration = durationRefusal(policy, role, duration);
    if (badDuration.isPresent()) {
      return refused(badDuration.get());
    }
    Scope scope;
    if (s.namespaces().isEmpty()) {
      scope = Scope.CLUSTER;
    } else {
      for (String ns : s.namespaces()) {
        if (!Scope.isNamespaceName(ns)) {
          return refused(Refusal.of(Refusal.Reason.INVALID_NAMESPACE).with(Fact.NAMESPACE, ns));
        }
        if (!policy.allowedNamespaces().isEmpty() && !policy.allowedNamespaces().contains(ns)) {
          return refused(
              Refusal.of(Refusal.Reason.NAMESPACE_NOT_ALLOWED)
                  .with(Fact.NAMESPACE, ns)
                  .with(Fact.CLUSTER, policy.cluster().name())
                  .with(Fact.ALLOWED_NAMESPACES, String.join(", ", policy.allowedNamespaces())));
        }
      }
      if (new LinkedHashSet<>(s.namespaces()).size() > Scope.MAX_NAMESPACES) {
        return refused(
            Refusal.of(Refusal.Reason.INVALID_NAMESPACE)
                .with(Fact.LIMIT, Integer.toString(Scope.MAX_NAMESPACES)));
      }
      scope = new Scope.Namespaces(s.namespaces());
    }
    Optional<Refusal> outOfReach = ScopeRules.refusal(policy, role, scope);
    if (outOfReach.isPresent()) {
      return refused(outOfReach.get());
    }
    return new Checked.Valid(new Accepted(policy, role, scope, duration, reason));
  }

  /** Whether a role may be held for {@code duration} on this cluster. */
  static Optional<Refusal> durationRefusal(
      ClusterPolicy policy, RoleDefinition role, Duration duration) {
    if (duration.isNegative() || duration.isZero()) {
      return Optional.of(Refusal.of(Refusal.Reason.INVALID_DURATION));
    }
    if (duration.compareTo(role.maxDuration()) > 0) {
      return Optional.of(
          Refusal.of(Refusal.Reason.DURATION_ABOVE_MAXIMUM)
              .with(Fact.ROLE, role.name())
              .with(Fact.MAXIMUM, Durations.format(role.maxDuration()))
              .with(Fact.ASKED, Durations.format(duration)));
    }
    if (policy.credentials().usesServiceAccount() && duration.compareTo(MIN_TOKEN_GRANT) < 0) {
      return Optional.of(
          Refusal.of(Refusal.Reason.DURATION_TOO_SHORT)
              .with(Fact.CLUSTER, policy.cluster().name())
              .with(Fact.MINIMUM, Durations.format(MIN_TOKEN_GRANT))
              .with(Fact.TOKEN_MINIMUM, Durations.format(CredentialRules.MIN_TOKEN_LIFETIME)));
    }
    return Optional.empty();
  }

  private static Checked refused(Refusal refusal) {
    return new Checked.Invalid(refusal);
  }

  /** A checked submission. */
  public sealed interface Checked {
    record Valid(Accepted accepted) implements Checked {}

    record Invalid(Refusal refusal) implements Checked {}
  }
}
