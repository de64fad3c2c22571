package dev.latchkey.core;

import dev.latchkey.core.port.ApproverDirectory;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.Listing;
import dev.latchkey.core.port.ClusterAccess.ManagedGrant;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import dev.latchkey.core.port.ClusterAccess.RoleCheck;
import dev.latchkey.core.port.EnablementStore;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.RequestStore.Update;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Every use case of Latchkey and every rule it enforces. Adapters call these methods; none of them
 * decides anything itself. Each state change is one conditional store update carrying its audit
 * events; losing a race means re-reading and re-deciding, never overwriting.
 */
public final class AccessService {
  /** Slack shows at most this much of a reason; longer ones are refused rather than cut. */
  public static final int MAX_REASON_LENGTH = 500;

  /**
   * Kubernetes' shortest token lifetime: no token is minted when less than this (plus the leeway)
   * is left.
   */
  public static final Duration MIN_TOKEN_LIFETIME = Duration.ofMinutes(10);

  /**
   * Time the hand-out itself may take (reaching the API server, which counts a token's lifetime
   * from when it mints it): a kubeconfig is handed out only while at least {@link
   * #MIN_TOKEN_LIFETIME} plus this is left, so the adapter never has to use Kubernetes' minimum,
   * which would outlive the grant.
   */
  public static final Duration CREDENTIAL_LEEWAY = Duration.ofSeconds(30);

  /**
   * The shortest token-mode grant: long enough to leave a few minutes in which a kubeconfig can be
   * fetched.
   */
  public static final Duration MIN_TOKEN_GRANT = Duration.ofMinutes(15);

  /** How many due requests one timer pass takes on. */
  public static final int DUE_BATCH = 500;

  /**
   * A grant younger than this is not judged missing by reconciliation (the listing may predate it).
   */
  static final Duration RECONCILE_GRACE = Duration.ofSeconds(10);

  /**
   * The approving caller carries out the grant itself; the timers take over only if it has not
   * finished (or died) within this lease, so one approval is not granted twice at once.
   */
  static final Duration GRANT_LEASE = Duration.ofSeconds(30);

  private static final int MAX_RACE_RETRIES = 50;

  private final Customers customers;
  private final RequestStore requests;
  private final EnablementStore enablements;
  private final AuditLog audit;
  private final ClusterAccess clusters;
  private final Notifier notifier;
  private final ApproverDirectory directory;
  private final Clock clock;
  private final RandomGenerator random;
  private final RetryPolicy retry;

  public AccessService(
      Customers customers,
      RequestStore requests,
      EnablementStore enablements,
      AuditLog audit,
      ClusterAccess clusters,
      Notifier notifier,
      ApproverDirectory directory,
      Clock clock,
      RandomGenerator random,
      RetryPolicy retry) {
    this.customers = customers;
    this.requests = requests;
    this.enablements = enablements;
    this.audit = audit;
    this.clusters = clusters;
    this.notifier = notifier;
    this.directory = directory;
    this.clock = clock;
    this.random = random;
    this.retry = retry;
  }

  public Customers customers() {
    return customers;
  }

  public Optional<AccessRequest> find(RequestId id) {
    return requests.find(id);
  }

  // ---------------------------------------------------------------- submit

  /** Returns {@link Outcome.Submitted} or {@link Outcome.Refused}; refusals are audited. */
  public Outcome submit(Submission s) {
    Instant now = clock.instant();
    Optional<Customer> customer = customers.find(s.customer());
    Outcome checked =
        customer.isEmpty()
            ? refused(Refusal.Reason.UNKNOWN_CUSTOMER, "This channel belongs to no customer.")
            : checkSubmission(customer.get(), s);
    if (checked instanceof Outcome.Refused refused) {
      audit.append(
          new AuditEvent(
              now,
              s.requester().user(),
              customer.map(Customer::id),
              Optional.empty(),
              AuditAction.REQUEST_REFUSED,
              AuditResult.REFUSED,
              Map.of(
                  "reason",
                  refused.refusal().reason().name(),
                  "cluster",
                  PlainText.clean(s.cluster()),
                  "role",
                  PlainText.clean(s.role()))));
      return refused;
    }
    return checked;
  }

  private Outcome checkSubmission(Customer customer, Submission s) {
    Optional<ClusterPolicy> policyFound = customer.cluster(s.cluster());
    if (policyFound.isEmpty()) {
      return refused(
          Refusal.Reason.UNKNOWN_CLUSTER,
          "Unknown cluster `"
              + s.cluster()
              + "`. Clusters: "
              + String.join(", ", customer.clusterNames())
              + ".");
    }
    ClusterPolicy policy = policyFound.get();
    Optional<RoleDefinition> roleFound = policy.role(s.role());
    if (roleFound.isEmpty()) {
      return refused(
          Refusal.Reason.UNKNOWN_ROLE,
          "Unknown role `"
              + s.role()
              + "` on "
              + policy.cluster().name()
              + ". Roles: "
              + String.join(", ", policy.roles().keySet())
              + ".");
    }
    RoleDefinition role = roleFound.get();
    Optional<Refusal> enabled = checkEnabled(policy.cluster(), role.name());
    if (enabled.isPresent()) {
      return new Outcome.Refused(enabled.get());
    }
    String reason = s.reason().strip();
    if (reason.isEmpty()) {
      return refused(
          Refusal.Reason.MISSING_REASON, "A reason is required: say why you need access.");
    }
    if (reason.codePointCount(0, reason.length()) > MAX_REASON_LENGTH) {
      return refused(
          Refusal.Reason.REASON_TOO_LONG,
          "The reason is longer than " + MAX_REASON_LENGTH + " characters; link a ticket instead.");
    }
    if (!PlainText.isPlain(reason)) {
      return refused(
          Refusal.Reason.INVALID_REASON,
          "The reason holds control characters or broken Unicode; write it as plain text.");
    }
    OptionalInt invisible = PlainText.firstInvisible(reason);
    if (invisible.isPresent()) {
      return refused(
          Refusal.Reason.INVISIBLE_CHARACTER,
          "The reason holds an invisible or direction-changing character ("
              + PlainText.name(invisible.getAsInt())
              + "); write it as plain text.");
    }
    Duration duration = s.duration().orElse(policy.defaultDuration(role));
    Optional<Refusal> badDuration = checkDuration(policy, role, duration);
    if (badDuration.isPresent()) {
      return new Outcome.Refused(badDuration.get());
    }
    Scope scope;
    if (s.namespaces().isEmpty()) {
      scope = Scope.CLUSTER;
    } else {
      for (String ns : s.namespaces()) {
        if (!Scope.isNamespaceName(ns)) {
          return refused(Refusal.Reason.INVALID_NAMESPACE, "`" + ns + "` is not a namespace name.");
        }
        if (!policy.allowedNamespaces().isEmpty() && !policy.allowedNamespaces().contains(ns)) {
          return refused(
              Refusal.Reason.NAMESPACE_NOT_ALLOWED,
              "Namespace `"
                  + ns
                  + "` cannot be requested on "
                  + policy.cluster().name()
                  + ". Allowed: "
                  + String.join(", ", policy.allowedNamespaces())
                  + ".");
        }
      }
      if (new LinkedHashSet<>(s.namespaces()).size() > Scope.MAX_NAMESPACES) {
        return refused(
            Refusal.Reason.INVALID_NAMESPACE,
            "At most " + Scope.MAX_NAMESPACES + " namespaces per request.");
      }
      scope = new Scope.Namespaces(s.namespaces());
    }
    Instant now = clock.instant();
    AccessRequest request =
        AccessRequest.submitted(
            RequestId.random(random),
            RequestKind.ACCESS,
            Optional.empty(),
            policy.cluster(),
            role.name(),
            scope,
            policy.credentials(),
            s.requester(),
            reason,
            duration,
            now,
            policy.pendingTtl(),
            role.approvalsRequired());
    AuditEvent event =
        AuditEvent.about(
            request,
            now,
            s.requester().user(),
            AuditAction.REQUEST_SUBMITTED,
            AuditResult.OK,
            Map.of(
                "cluster",
                policy.cluster().name(),
                "role",
                role.name(),
                "scope",
                scope.describe(),
                "duration",
                Durations.format(duration),
                "reason",
                reason));
    requests.insert(request, List.of(event));
    notifier.requestChanged(request, event);
    return new Outcome.Submitted(request);
  }

  private Optional<Refusal> checkDuration(
      ClusterPolicy policy, RoleDefinition role, Duration duration) {
    if (duration.isNegative() || duration.isZero()) {
      return Optional.of(
          new Refusal(Refusal.Reason.INVALID_DURATION, "The duration must be above zero."));
    }
    if (duration.compareTo(role.maxDuration()) > 0) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.DURATION_ABOVE_MAXIMUM,
              "Role "
                  + role.name()
                  + " can be held for at most "
                  + Durations.format(role.maxDuration())
                  + "; you asked for "
                  + Durations.format(duration)
                  + "."));
    }
    if (policy.credentials().usesServiceAccount() && duration.compareTo(MIN_TOKEN_GRANT) < 0) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.DURATION_TOO_SHORT,
              "Access on "
                  + policy.cluster().name()
                  + " lasts at least "
                  + Durations.format(MIN_TOKEN_GRANT)
                  + ": Kubernetes issues no token shorter than "
                  + Durations.format(MIN_TOKEN_LIFETIME)
                  + ", and none is handed out that could outlive the access."));
    }
    return Optional.empty();
  }

  private Optional<Refusal> checkEnabled(ClusterRef cluster, String role) {
    ClusterEnablement state = enablement(cluster);
    if (!state.enabled()) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.CLUSTER_DISABLED,
              "Support access to "
                  + cluster.name()
                  + " is disabled. A customer admin or approver can turn it on with "
                  + "`/access enable "
                  + cluster.name()
                  + "`."));
    }
    if (!state.roles().contains(role)) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.ROLE_NOT_ENABLED,
              "Role "
                  + role
                  + " is not enabled on "
                  + cluster.name()
                  + ". Enabled: "
                  + String.join(", ", state.roles().stream().sorted().toList())
                  + "."));
    }
    return Optional.empty();
  }

  public ClusterEnablement enablement(ClusterRef cluster) {
    return enablements.find(cluster).orElse(ClusterEnablement.disabledByDefault(cluster));
  }

  // ---------------------------------------------------------------- decide

  /**
   * An approver's yes. Returns {@link Outcome.Approved} (with the request as it stands after the
   * grant attempt), {@link Outcome.AwaitingMoreApprovals}, {@link Outcome.Refused}, {@link
   * Outcome.AlreadyDecided} or {@link Outcome.NotFound}. Repeating an approval already given
   * changes nothing.
   */
  public Outcome approve(
      RequestId id, Actor.SlackUser approver, DecisionMethod method, Map<String, String> details) {
    return approve(id, approver, method, details, Optional.empty());
  }

  /**
   * The same for a decision made earlier than it reaches Latchkey (a written reply read back after
   * a restart): {@code madeAt}, if between the request's creation and now, is when it counts —
   * whether it was in the two-hour window, and where the access window starts.
   */
  public Outcome approve(
      RequestId id,
      Actor.SlackUser approver,
      DecisionMethod method,
      Map<String, String> details,
      Optional<Instant> madeAt) {
    for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      Optional<AccessRequest> found = requests.find(id);
      if (found.isEmpty()) {
        return new Outcome.NotFound(id.value());
      }
      AccessRequest r = found.get();
      Optional<Outcome> refused = refuseDecider(r, approver, method, "approve", details);
      if (refused.isPresent()) {
        return refused.get();
      }
      if (r.state() != RequestState.PENDING) {
        return new Outcome.AlreadyDecided(r);
      }
      Instant now = clock.instant();
      Instant at = decisionInstant(r, madeAt, now);
      if (pastPendingWindow(r, at)) {
        return new Outcome.AlreadyDecided(timeOut(r, now));
      }
      if (r.approvedBy(approver)) {
        return new Outcome.AwaitingMoreApprovals(r, r.approvals().size(), r.approvalsRequired());
      }
      // The rules as they stand now, not as they stood at submission: a role since removed or
      // shortened, an
      // approval count since raised, an earlier approver since removed from the role.
      Optional<RoleDefinition> role = customers.policy(r.cluster()).flatMap(p -> p.role(r.role()));
      if (role.isEmpty()) {
        return refuseDecision(
            r,
            approver,
            Refusal.Reason.UNKNOWN_ROLE,
            "This request can no longer be approved: "
                + "role "
                + r.role()
                + " is no longer offered on "
                + r.cluster().name()
                + ".",
            method,
            details);
      }
      if (r.kind() == RequestKind.ACCESS && r.duration().compareTo(role.get().maxDuration()) > 0) {
        return refuseDecision(
            r,
            approver,
            Refusal.Reason.DURATION_ABOVE_MAXIMUM,
            "This request can no longer be "
                + "approved: role "
                + r.role()
                + " can now be held for at most "
                + Durations.format(role.get().maxDuration())
                + ", and "
                + Durations.format(r.duration())
                + " was asked. Deny it; the requester can ask again.",
            method,
            details);
      }
      List<String> allowed =
          customers.policy(r.cluster()).map(ClusterPolicy::allowedNamespaces).orElse(List.of());
      if (r.scope() instanceof Scope.Namespaces asked
          && !allowed.isEmpty()
          && !allowed.containsAll(asked.names())) {
        return refuseDecision(
            r,
            approver,
            Refusal.Reason.NAMESPACE_NOT_ALLOWED,
            "This request can no longer be "
                + "approved: "
                + r.cluster().name()
                + " now allows only the namespaces "
                + String.join(", ", allowed)
                + ". Deny it; the requester can ask again.",
            method,
            details);
      }
      int required = Math.max(r.approvalsRequired(), role.get().approvalsRequired());
      List<Approval> approvals = new ArrayList<>();
      List<String> withdrawn = new ArrayList<>();
      for (Approval earlier : r.approvals()) {
        if (approverCheck(r.cluster().customer(), earlier.approver()).isEmpty()) {
          approvals.add(earlier);
        } else {
          withdrawn.add(earlier.approver().audit());
        }
      }
      approvals.add(new Approval(approver, at, method));
      Map<String, String> eventDetails = withMethod(details, method);
      Map<String, String> givenDetails =
          withExtra(eventDetails, "approvals", approvals.size() + " of " + required);
      if (!withdrawn.isEmpty()) {
        givenDetails = withExtra(givenDetails, "no_longer_approvers", String.join(",", withdrawn));
      }
      List<AuditEvent> events = new ArrayList<>();
      events.add(
          AuditEvent.about(
              r, now, approver, AuditAction.APPROVAL_GIVEN, AuditResult.OK, givenDetails));
      AccessRequest next = r.withApprovals(approvals).withApprovalsRequired(required);
      boolean complete = approvals.size() >= required;
      if (complete) {
        Optional<Instant> expiry = approvedExpiry(r, at);
        if (expiry.isEmpty()) {
          return refuseDecision(
              r,
              approver,
              Refusal.Reason.NOT_ACTIVE,
              "The access this extension is for has already ended.",
              method,
              details);
        }
        // Refused, never cut: only a maximum lowered since the extension was asked for can get
        // here.
        if (expiry.get().isAfter(at.plus(role.get().maxDuration()))) {
          return refuseDecision(
              r,
              approver,
              Refusal.Reason.DURATION_ABOVE_MAXIMUM,
              "This extension can no longer "
                  + "be approved: role "
                  + r.role()
                  + " can now be held for at most "
                  + Durations.format(role.get().maxDuration())
                  + " from its approval, and it would end at "
                  + expiry.get()
                  + ". Deny it; the requester can ask for less.",
              method,
              details);
        }
        next =
            next.withState(RequestState.APPROVED)
                .withDecision(at, approver)
                .withExpiresAt(expiry.get())
                .withGrantPresent(r.kind() == RequestKind.ACCESS)
                .withRetry(0, Optional.of(now.plus(GRANT_LEASE)));
        events.add(
            AuditEvent.about(
                r,
                now,
                approver,
                AuditAction.REQUEST_APPROVED,
                AuditResult.OK,
                withExtra(eventDetails, "expires_at", expiry.get().toString())));
      }
      switch (requests.update(r, next, events)) {
        case Update.Applied applied -> {
          AccessRequest stored = applied.stored();
          notifier.requestChanged(stored, events.getLast());
          if (!complete) {
            return new Outcome.AwaitingMoreApprovals(stored, approvals.size(), required);
          }
          return new Outcome.Approved(carryOut(stored));
        }
        case Update.Conflict conflict -> {
          // Someone changed it first: decide again against what they left.
        }
      }
    }
    throw new IllegalStateException("request " + id + " kept changing under approval");
  }

  /**
   * Access: from now for the requested duration. Extension: the original's end moved on by it.
   * Empty when an extension's original is no longer active.
   */
  private Optional<Instant> approvedExpiry(AccessRequest r, Instant now) {
    if (r.kind() == RequestKind.ACCESS) {
      return Optional.of(now.plus(r.duration()));
    }
    Optional<AccessRequest> original = requests.find(r.extendsRequest().orElseThrow());
    // Ended means ended, also when the timers have not recorded it yet: an approval read back late
    // (written
    // before the end, applied after it) must not bring access back.
    if (original.isEmpty()
        || original.get().state() != RequestState.ACTIVE
        || !original.get().expiresAt().orElseThrow().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(original.get().expiresAt().orElseThrow().plus(r.duration()));
  }

  /**
   * An approver's no. Returns {@link Outcome.Denied}, {@link Outcome.Refused}, {@link
   * Outcome.AlreadyDecided} or {@link Outcome.NotFound}.
   */
  public Outcome deny(
      RequestId id, Actor.SlackUser approver, DecisionMethod method, Map<String, String> details) {
    return deny(id, approver, method, details, Optional.empty());
  }

  /**
   * The same for a denial made earlier than it reaches Latchkey; see {@link #approve(RequestId,
   * Actor.SlackUser, DecisionMethod, Map, Optional)}.
   */
  public Outcome deny(
      RequestId id,
      Actor.SlackUser approver,
      DecisionMethod method,
      Map<String, String> details,
      Optional<Instant> madeAt) {
    for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      Optional<AccessRequest> found = requests.find(id);
      if (found.isEmpty()) {
        return new Outcome.NotFound(id.value());
      }
      AccessRequest r = found.get();
      Optional<Outcome> refused = refuseDecider(r, approver, method, "deny", details);
      if (refused.isPresent()) {
        return refused.get();
      }
      if (r.state() != RequestState.PENDING) {
        return new Outcome.AlreadyDecided(r);
      }
      Instant now = clock.instant();
      Instant at = decisionInstant(r, madeAt, now);
      if (pastPendingWindow(r, at)) {
        return new Outcome.AlreadyDecided(timeOut(r, now));
      }
      AccessRequest next =
          r.withState(RequestState.DENIED).withDecision(at, approver).withEnd(at, approver);
      AuditEvent event =
          AuditEvent.about(
              r,
              now,
              approver,
              AuditAction.REQUEST_DENIED,
              AuditResult.OK,
              withMethod(details, method));
      if (requests.update(r, next, List.of(event)) instanceof Update.Applied applied) {
        notifier.requestChanged(applied.stored(), event);
        return new Outcome.Denied(applied.stored());
      }
    }
    throw new IllegalStateException("request " + id + " kept changing under denial");
  }

  /**
   * Whether this user may decide this request, checked on every decision whatever the UI showed:
   * never the requester, only a user of the customer's own workspace, listed or in the approver
   * group, and only while the cluster and role are enabled. A refusal is audited.
   */
  private Optional<Outcome> refuseDecider(
      AccessRequest r,
      Actor.SlackUser user,
      DecisionMethod method,
      String verb,
      Map<String, String> details) {
    Optional<Refusal> refusal = approverRefusal(r, user);
    if (refusal.isEmpty() && r.state() == RequestState.PENDING && verb.equals("approve")) {
      refusal =
          checkEnabled(r.cluster(), r.role())
              .map(
                  disabled ->
                      new Refusal(
                          disabled.reason(),
                          "This request can no longer be approved: " + disabled.message()));
    }
    return refusal.map(x -> refuseDecision(r, user, x.reason(), x.message(), method, details));
  }

  private Outcome refuseDecision(
      AccessRequest r,
      Actor actor,
      Refusal.Reason reason,
      String message,
      DecisionMethod method,
      Map<String, String> details) {
    audit.append(
        AuditEvent.about(
            r,
            clock.instant(),
            actor,
            AuditAction.DECISION_REFUSED,
            AuditResult.REFUSED,
            withExtra(withMethod(details, method), "reason", reason.name())));
    return new Outcome.Refused(reason, message);
  }

  private Optional<Refusal> approverRefusal(AccessRequest r, Actor.SlackUser user) {
    if (r.requester().isSamePerson(user)) {
      return Optional.of(
          new Refusal(Refusal.Reason.SELF_APPROVAL, "You cannot decide your own request."));
    }
    return approverCheck(r.cluster().customer(), user);
  }

  /** Whether {@code user} holds the approver role of this customer. */
  public Optional<Refusal> approverCheck(CustomerId customerId, Actor.SlackUser user) {
    Optional<Customer> found = customers.find(customerId);
    if (found.isEmpty()) {
      return Optional.of(
          new Refusal(Refusal.Reason.NOT_APPROVER, "You are not an approver for this request."));
    }
    Customer customer = found.get();
    if (!customer.isOwnWorkspace(user)) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.FOREIGN_WORKSPACE,
              "You are not an approver for this request: only the customer's own workspace can"
                  + " decide."));
    }
    if (customer.approverUserIds().contains(user.userId())) {
      return Optional.empty();
    }
    if (customer.approverGroupId().isPresent()) {
      switch (directory.membership(customer.approverGroupId().get(), user)) {
        case MEMBER -> {
          return Optional.empty();
        }
        case UNKNOWN -> {
          return Optional.of(
              new Refusal(
                  Refusal.Reason.APPROVER_UNVERIFIED,
                  "Your approver role could not be checked just now (Slack did not answer). Try"
                      + " again in a minute."));
        }
        case NOT_MEMBER -> {}
      }
    }
    return Optional.of(
        new Refusal(Refusal.Reason.NOT_APPROVER, "You are not an approver for this request."));
  }

  // ---------------------------------------------------------------- cancel, revoke, extend

  /**
   * The requester withdraws a pending request: {@link Outcome.Cancelled}, Refused, AlreadyDecided
   * or NotFound.
   */
  public Outcome cancel(RequestId id, Actor.SlackUser actor) {
    for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      Optional<AccessRequest> found = requests.find(id);
      if (found.isEmpty()) {
        return new Outcome.NotFound(id.value());
      }
      AccessRequest r = found.get();
      Instant now = clock.instant();
      if (!r.requester().is(actor)) {
        audit.append(
            AuditEvent.about(
                r,
                now,
                actor,
                AuditAction.DECISION_REFUSED,
                AuditResult.REFUSED,
                Map.of("reason", Refusal.Reason.NOT_REQUESTER.name(), "action", "cancel")));
        return new Outcome.Refused(
            Refusal.Reason.NOT_REQUESTER, "Only the requester can cancel a request.");
      }
      if (r.state() != RequestState.PENDING) {
        return new Outcome.AlreadyDecided(r);
      }
      if (pastPendingWindow(r, now)) {
        return new Outcome.AlreadyDecided(timeOut(r, now));
      }
      AccessRequest next = r.withState(RequestState.CANCELLED).withEnd(now, actor);
      AuditEvent event =
          AuditEvent.about(r, now, actor, AuditAction.REQUEST_CANCELLED, AuditResult.OK, Map.of());
      if (requests.update(r, next, List.of(event)) instanceof Update.Applied applied) {
        notifier.requestChanged(applied.stored(), event);
        return new Outcome.Cancelled(applied.stored());
      }
    }
    throw new IllegalStateException("request " + id + " kept changing under cancel");
  }

  /**
   * Ends access now, by the requester or an approver of the customer: {@link Outcome.Revoked} (the
   * request as it stands after the removal attempt), Refused, AlreadyDecided or NotFound. The
   * removal is retried until done.
   */
  public Outcome revoke(RequestId id, Actor.SlackUser actor) {
    Optional<AccessRequest> found = requests.find(id);
    if (found.isEmpty()) {
      return new Outcome.NotFound(id.value());
    }
    AccessRequest r = found.get();
    if (!r.requester().is(actor)) {
      Optional<Refusal> notApprover = approverCheck(r.cluster().customer(), actor);
      if (notApprover.isPresent()) {
        audit.append(
            AuditEvent.about(
                r,
                clock.instant(),
                actor,
                AuditAction.REVOKE_REFUSED,
                AuditResult.REFUSED,
                Map.of("reason", notApprover.get().reason().name())));
        return notApprover.get().reason() == Refusal.Reason.APPROVER_UNVERIFIED
            ? new Outcome.Refused(notApprover.get())
            : new Outcome.Refused(
                Refusal.Reason.NOT_ALLOWED,
                "Only the requester or an approver of this customer can revoke access.");
      }
    }
    if (r.kind() != RequestKind.ACCESS || r.state() == RequestState.PENDING) {
      audit.append(
          AuditEvent.about(
              r,
              clock.instant(),
              actor,
              AuditAction.REVOKE_REFUSED,
              AuditResult.REFUSED,
              Map.of("reason", Refusal.Reason.NOT_ACTIVE.name())));
      return new Outcome.Refused(
          Refusal.Reason.NOT_ACTIVE,
          r.id()
              + " is not active access (it is "
              + r.state()
              + "); pending requests are cancelled or denied.");
    }
    return endAccess(r, actor, Map.of())
        .<Outcome>map(Outcome.Revoked::new)
        .orElseGet(() -> new Outcome.AlreadyDecided(requests.find(id).orElseThrow()));
  }

  /**
   * Moves APPROVED/ACTIVE to REVOKED and removes the grant; empty if the request was already final.
   */
  private Optional<AccessRequest> endAccess(
      AccessRequest start, Actor actor, Map<String, String> details) {
    return endAccess(start, actor, details, List.of());
  }

  /**
   * The same, recording {@code before} (e.g. what reconciliation noticed) in the same transaction.
   */
  private Optional<AccessRequest> endAccess(
      AccessRequest start, Actor actor, Map<String, String> details, List<AuditEvent> before) {
    AccessRequest r = start;
    for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      if (!r.state().holdsAccess()) {
        return Optional.empty();
      }
      Instant now = clock.instant();
      AccessRequest next =
          r.withState(RequestState.REVOKED)
              .withEnd(now, actor)
              .withGrantPresent(true)
              .withRetry(0, Optional.of(now));
      AuditEvent event =
          AuditEvent.about(r, now, actor, AuditAction.REQUEST_REVOKED, AuditResult.OK, details);
      List<AuditEvent> events = new ArrayList<>(before);
      events.add(event);
      switch (requests.update(r, next, events)) {
        case Update.Applied applied -> {
          notifier.requestChanged(applied.stored(), event);
          return Optional.of(removeGrant(applied.stored()));
        }
        case Update.Conflict conflict -> r = conflict.current();
      }
    }
    throw new IllegalStateException("request " + start.id() + " kept changing under revoke");
  }

  /**
   * The requester asks for more time on active access: a new request that needs approval like the
   * first. Refused when the new end would be more than the role's maximum from now (never cut
   * silently).
   */
  public Outcome extend(RequestId id, Actor.SlackUser actor, Duration more) {
    Optional<AccessRequest> found = requests.find(id);
    if (found.isEmpty()) {
      return new Outcome.NotFound(id.value());
    }
    AccessRequest original = found.get();
    Instant now = clock.instant();
    Optional<Refusal> refusal = extensionRefusal(original, actor, more, now);
    if (refusal.isPresent()) {
      audit.append(
          AuditEvent.about(
              original,
              now,
              actor,
              AuditAction.EXTENSION_REFUSED,
              AuditResult.REFUSED,
              Map.of("reason", refusal.get().reason().name(), "duration", Durations.format(more))));
      return new Outcome.Refused(refusal.get());
    }
    ClusterPolicy policy = customers.policy(original.cluster()).orElseThrow();
    RoleDefinition role = policy.role(original.role()).orElseThrow();
    Instant currentEnd = original.expiresAt().orElseThrow();
    Duration untilEnd = Duration.between(now, currentEnd);
    Duration ttl = policy.pendingTtl().compareTo(untilEnd) < 0 ? policy.pendingTtl() : untilEnd;
    AccessRequest extension =
        AccessRequest.submitted(
            RequestId.random(random),
            RequestKind.EXTENSION,
            Optional.of(original.id()),
            original.cluster(),
            original.role(),
            original.scope(),
            original.credentials(),
            original.requester(),
            original.reason(),
            more,
            now,
            ttl,
            role.approvalsRequired());
    AuditEvent event =
        AuditEvent.about(
            extension,
            now,
            actor,
            AuditAction.EXTENSION_REQUESTED,
            AuditResult.OK,
            Map.of("extends", original.id().value(), "duration", Durations.format(more)));
    requests.insert(extension, List.of(event));
    notifier.requestChanged(extension, event);
    return new Outcome.ExtensionRequested(extension, original);
  }

  private Optional<Refusal> extensionRefusal(
      AccessRequest original, Actor.SlackUser actor, Duration more, Instant now) {
    if (!original.requester().is(actor)) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.NOT_REQUESTER, "Only the requester can ask for an extension."));
    }
    if (original.kind() != RequestKind.ACCESS || original.state() != RequestState.ACTIVE) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.NOT_ACTIVE,
              original.id()
                  + " is not active (it is "
                  + original.state()
                  + "); only active access can be extended."));
    }
    Optional<RoleDefinition> role =
        customers.policy(original.cluster()).flatMap(p -> p.role(original.role()));
    if (role.isEmpty()) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.UNKNOWN_ROLE, "Role " + original.role() + " is no longer offered."));
    }
    Optional<Refusal> enabled = checkEnabled(original.cluster(), original.role());
    if (enabled.isPresent()) {
      return enabled;
    }
    if (more.isNegative() || more.isZero()) {
      return Optional.of(
          new Refusal(Refusal.Reason.INVALID_DURATION, "The extension must be above zero."));
    }
    Instant currentEnd = original.expiresAt().orElseThrow();
    Duration total = Duration.between(now, currentEnd.plus(more));
    if (total.compareTo(role.get().maxDuration()) > 0) {
      Duration allowed = role.get().maxDuration().minus(Duration.between(now, currentEnd));
      return Optional.of(
          new Refusal(
              Refusal.Reason.DURATION_ABOVE_MAXIMUM,
              "Role "
                  + original.role()
                  + " can be held for at most "
                  + Durations.format(role.get().maxDuration())
                  + " from now; you can extend by at most "
                  + Durations.format(allowed.isNegative() ? Duration.ZERO : allowed)
                  + "."));
    }
    if (!requests.findPendingExtensions(original.id()).isEmpty()) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.EXTENSION_PENDING,
              "An extension of " + original.id() + " is already waiting for approval."));
    }
    return Optional.empty();
  }

  // ---------------------------------------------------------------- credentials

  /**
   * A fresh kubeconfig for the requester of active token-mode access, with a token that ends with
   * the grant; never in the grant's last ten minutes, so no token outlives its grant. Audited
   * without the token.
   */
  public CredentialOutcome issueCredential(RequestId id, Actor.SlackUser actor) {
    Optional<AccessRequest> found = requests.find(id);
    if (found.isEmpty()) {
      return new CredentialOutcome.NotFound(id.value());
    }
    AccessRequest r = found.get();
    Instant now = clock.instant();
    Optional<Refusal> refusal = credentialRefusal(r, actor, now);
    if (refusal.isPresent()) {
      audit.append(
          AuditEvent.about(
              r,
              now,
              actor,
              AuditAction.CREDENTIAL_REFUSED,
              AuditResult.REFUSED,
              Map.of("reason", refusal.get().reason().name())));
      return new CredentialOutcome.Refused(refusal.get());
    }
    Instant notAfter = r.expiresAt().orElseThrow();
    return switch (clusters.issueCredential(r.cluster(), r.id(), notAfter)) {
      case ClusterAccess.CredentialResult.Issued issued -> {
        audit.append(
            AuditEvent.about(
                r,
                now,
                actor,
                AuditAction.CREDENTIAL_ISSUED,
                AuditResult.OK,
                Map.of("token_expires_at", issued.kubeconfig().tokenExpiresAt().toString())));
        yield new CredentialOutcome.Issued(r, issued.kubeconfig());
      }
      case ClusterAccess.CredentialResult.Unavailable unavailable -> {
        audit.append(
            AuditEvent.about(
                r,
                now,
                actor,
                AuditAction.CREDENTIAL_REFUSED,
                AuditResult.FAILED,
                Map.of(
                    "reason",
                    Refusal.Reason.CLUSTER_UNREACHABLE.name(),
                    "error",
                    PlainText.clean(unavailable.message()))));
        yield new CredentialOutcome.Refused(
            new Refusal(
                Refusal.Reason.CLUSTER_UNREACHABLE,
                "The cluster could not mint a token just now: " + unavailable.message()));
      }
    };
  }

  private Optional<Refusal> credentialRefusal(AccessRequest r, Actor.SlackUser actor, Instant now) {
    if (!r.requester().is(actor)) {
      return Optional.of(
          new Refusal(Refusal.Reason.NOT_REQUESTER, "Only the requester can fetch credentials."));
    }
    if (r.kind() != RequestKind.ACCESS || r.state() != RequestState.ACTIVE) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.NOT_ACTIVE, r.id() + " is not active (it is " + r.state() + ")."));
    }
    if (r.credentials() != CredentialMode.TOKEN) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.NOT_TOKEN_MODE,
              r.cluster().name()
                  + " uses your own identity (external credentials); use your usual kubeconfig."));
    }
    Instant expiry = r.expiresAt().orElseThrow();
    if (Duration.between(now, expiry).compareTo(MIN_TOKEN_LIFETIME.plus(CREDENTIAL_LEEWAY)) < 0) {
      return Optional.of(
          new Refusal(
              Refusal.Reason.TOO_CLOSE_TO_EXPIRY,
              "Access ends at "
                  + expiry
                  + ", in less than "
                  + Durations.format(MIN_TOKEN_LIFETIME)
                  + " and "
                  + CREDENTIAL_LEEWAY.toSeconds()
                  + "s; no token is issued that could outlive it. Ask for an extension: "
                  + "`/access extend "
                  + r.id()
                  + " <duration>`."));
    }
    return Optional.empty();
  }

  // ---------------------------------------------------------------- enable / disable

  /**
   * Turns support access on for the given roles (readonly when none; operator implies readonly),
   * after checking each role's ClusterRole exists and that readonly cannot read Secrets. Customer
   * admins and approvers only.
   */
  public ClusterOutcome enable(ClusterRef cluster, Actor.SlackUser actor, Set<String> roles) {
    Instant now = clock.instant();
    Optional<ClusterPolicy> policy = customers.policy(cluster);
    if (policy.isEmpty()) {
      return refusedChange(
          cluster,
          actor,
          Refusal.Reason.UNKNOWN_CLUSTER,
          "Unknown cluster `" + cluster.name() + "`.",
          true);
    }
    Optional<Refusal> notAllowed = adminCheck(cluster.customer(), actor);
    if (notAllowed.isPresent()) {
      return refusedChange(
          cluster, actor, notAllowed.get().reason(), notAllowed.get().message(), true);
    }
    // Read before the role checks, which ask the cluster and take time: a disable landing meanwhile
    // must win.
    Optional<ClusterEnablement> before = enablements.find(cluster);
    Set<String> wanted =
        new LinkedHashSet<>(roles.isEmpty() ? Set.of(RoleDefinition.READONLY) : roles);
    if (wanted.contains(RoleDefinition.OPERATOR)
        && policy.get().role(RoleDefinition.READONLY).isPresent()) {
      wanted.add(RoleDefinition.READONLY);
    }
    for (String name : wanted) {
      Optional<RoleDefinition> role = policy.get().role(name);
      if (role.isEmpty()) {
        return refusedChange(
            cluster,
            actor,
            Refusal.Reason.UNKNOWN_ROLE,
            "Role `"
                + name
                + "` is not offered on "
                + cluster.name()
                + ". Roles: "
                + String.join(", ", policy.get().roles().keySet())
                + ".",
            true);
      }
      Optional<Refusal> problem = roleProblem(cluster, role.get());
      if (problem.isPresent()) {
        return refusedChange(cluster, actor, problem.get().reason(), problem.get().message(), true);
      }
    }
    ClusterEnablement next =
        new ClusterEnablement(cluster, true, wanted, Optional.of(now), Optional.of(actor));
    boolean saved =
        enablements.saveIf(
            before,
            next,
            new AuditEvent(
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
                    String.join(",", wanted.stream().sorted().toList()))));
    if (!saved) {
      return refusedChange(
          cluster,
          actor,
          Refusal.Reason.CHANGED_MEANWHILE,
          "Support access on "
              + cluster.name()
              + " was changed by someone else while its roles were checked; nothing was enabled."
              + " See `/access status "
              + cluster.name()
              + "` and enable again if that is still wanted.",
          true);
    }
    return new ClusterOutcome.Changed(next, List.of());
  }

  /**
   * Whether a role's ClusterRole is usable on the cluster: present, and for readonly unable to read
   * Secrets.
   */
  public Optional<Refusal> roleProblem(ClusterRef cluster, RoleDefinition role) {
    return switch (clusters.checkRole(cluster, role.clusterRole())) {
      case RoleCheck.Missing missing ->
          Optional.of(
              new Refusal(
                  Refusal.Reason.ROLE_MISSING_IN_CLUSTER,
                  "ClusterRole `"
                      + role.clusterRole()
                      + "` (role "
                      + role.name()
                      + ") does not exist on "
                      + cluster.name()
                      + ". Apply deploy/catalogue.yaml (or create the custom role) first."));
      case RoleCheck.Present present
          when present.readsSecrets() && role.name().equals(RoleDefinition.READONLY) ->
          Optional.of(
              new Refusal(
                  Refusal.Reason.ROLE_GRANTS_SECRETS,
                  "ClusterRole `"
                      + role.clusterRole()
                      + "` on "
                      + cluster.name()
                      + " lets its holder read Secrets; readonly must not. Re-apply"
                      + " deploy/catalogue.yaml."));
      case RoleCheck.Present present -> Optional.empty();
      case RoleCheck.Unavailable unavailable ->
          Optional.of(
              new Refusal(
                  Refusal.Reason.CLUSTER_UNREACHABLE,
                  cluster.name()
                      + " could not be reached to check its roles: "
                      + unavailable.message()));
    };
  }

  /** Problems with the roles enabled right now on every cluster (checked at start-up). */
  public List<String> checkEnabledRoles() {
    List<String> problems = new ArrayList<>();
    for (ClusterPolicy policy : customers.allClusters()) {
      ClusterEnablement state = enablement(policy.cluster());
      if (!state.enabled()) {
        continue;
      }
      for (String name : state.roles()) {
        policy
            .role(name)
            .flatMap(role -> roleProblem(policy.cluster(), role))
            .ifPresent(problem -> problems.add(problem.message()));
      }
    }
    return problems;
  }

  /** Stops new requests; with {@code now} also revokes every grant on the cluster. */
  public ClusterOutcome disable(ClusterRef cluster, Actor.SlackUser actor, boolean now) {
    Instant at = clock.instant();
    if (customers.policy(cluster).isEmpty()) {
      return refusedChange(
          cluster,
          actor,
          Refusal.Reason.UNKNOWN_CLUSTER,
          "Unknown cluster `" + cluster.name() + "`.",
          false);
    }
    Optional<Refusal> notAllowed = adminCheck(cluster.customer(), actor);
    if (notAllowed.isPresent()) {
      return refusedChange(
          cluster, actor, notAllowed.get().reason(), notAllowed.get().message(), false);
    }
    ClusterEnablement next =
        new ClusterEnablement(cluster, false, Set.of(), Optional.of(at), Optional.of(actor));
    enablements.save(
        next,
        new AuditEvent(
            at,
            actor,
            Optional.of(cluster.customer()),
            Optional.empty(),
            AuditAction.CLUSTER_DISABLED,
            AuditResult.OK,
            Map.of("cluster", cluster.name(), "revoke_now", Boolean.toString(now))));
    List<AccessRequest> revoked = new ArrayList<>();
    if (now) {
      for (AccessRequest r : requests.findHoldingAccess(cluster)) {
        if (r.kind() == RequestKind.ACCESS) {
          endAccess(r, actor, Map.of("cause", "cluster disabled")).ifPresent(revoked::add);
        }
      }
    }
    return new ClusterOutcome.Changed(next, revoked);
  }

  /** Customer admins (listed) and approvers may switch support access. */
  private Optional<Refusal> adminCheck(CustomerId customerId, Actor.SlackUser actor) {
    Optional<Customer> customer = customers.find(customerId);
    if (customer.isPresent()
        && customer.get().isOwnWorkspace(actor)
        && customer.get().adminUserIds().contains(actor.userId())) {
      return Optional.empty();
    }
    // Slack not answering is said as such: "not allowed" would send an admin looking for a missing
    // permission.
    return approverCheck(customerId, actor)
        .map(
            r ->
                r.reason() == Refusal.Reason.APPROVER_UNVERIFIED
                    ? r
                    : new Refusal(
                        Refusal.Reason.NOT_ALLOWED,
                        "Only the customer's admins and approvers can enable or disable support"
                            + " access."));
  }

  private ClusterOutcome refusedChange(
      ClusterRef cluster, Actor actor, Refusal.Reason reason, String message, boolean enabling) {
    audit.append(
        new AuditEvent(
            clock.instant(),
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
                enabling ? "enable" : "disable")));
    return new ClusterOutcome.Refused(new Refusal(reason, message));
  }

  // ---------------------------------------------------------------- timers

  /**
   * Handles everything due now, cluster after cluster: unanswered requests time out, approved ones
   * are granted (or retried), access at its end expires and is removed, removals that failed are
   * retried, requesters are reminded before the end. Safe to run from several processes at once:
   * every change is conditional. The running service spreads the same work over one lane per
   * cluster instead ({@link #clustersWithDueWork}, {@link #dueOn}, {@link #handleDue}); this
   * sequential form is for start-up and tests.
   */
  public DueReport runDue() {
    int handled = 0;
    List<String> errors = new ArrayList<>();
    for (ClusterRef cluster : clustersWithDueWork()) {
      for (AccessRequest r : dueOn(cluster)) {
        handled++;
        handleDue(r, true).ifPresent(errors::add);
      }
    }
    return new DueReport(handled, errors);
  }

  /** The clusters with requests due now. */
  public Set<ClusterRef> clustersWithDueWork() {
    return requests.findClustersWithDue(clock.instant());
  }

  /** Up to {@link #DUE_BATCH} requests due now on one cluster, earliest first. */
  public List<AccessRequest> dueOn(ClusterRef cluster) {
    return requests.findDue(cluster, clock.instant(), DUE_BATCH);
  }

  /**
   * Handles one due request as read by {@link #dueOn} (a stale copy only loses its conditional
   * updates). When its cluster is known not to answer ({@code clusterReachable} false), only what
   * needs no cluster is done: time-outs, the end of access whose window closed (its removal stays
   * due), reminders. Returns what went wrong, if anything.
   */
  public Optional<String> handleDue(AccessRequest r, boolean clusterReachable) {
    try {
      handleDue(r, clock.instant(), clusterReachable);
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(r.id() + ": " + e);
    }
  }

  private void handleDue(AccessRequest r, Instant now, boolean clusterReachable) {
    switch (r.state()) {
      case APPROVED -> {
        if (clusterReachable
            || r.kind() == RequestKind.EXTENSION) { // an extension only moves a stored end
          carryOut(r);
          return;
        }
      }
      case PENDING, ACTIVE -> {}
      default -> {
        if (r.grantPresent() && clusterReachable) {
          removeGrant(r);
        }
        return;
      }
    }
    settlement(r, now)
        .flatMap(this::apply)
        .filter(stored -> clusterReachable && stored.state() == RequestState.EXPIRED)
        .ifPresent(this::removeGrant);
  }

  /**
   * Commits, for a batch of due requests (as read by {@link #dueOn}), what they need that involves
   * no cluster — time-outs, the end of access whose window closed (its removal stays due),
   * reminders — in one transaction, each change still conditional on its own. A mass expiry of
   * thousands of grants is then in the records at once, whatever the clusters do. When the batch
   * cannot be committed, each change is tried on its own, so one request the store refuses cannot
   * keep the others' access from ending; those that failed are in the report's errors. Throws only
   * when the store itself fails (a change fails and so does a plain read).
   */
  public DueReport settleDue(List<AccessRequest> due) {
    Instant now = clock.instant();
    List<Settlement> planned =
        due.stream().map(r -> settlement(r, now)).flatMap(Optional::stream).toList();
    if (planned.isEmpty()) {
      return new DueReport(0, List.of());
    }
    List<Update> results;
    try {
      results = requests.updateAll(planned.stream().map(Settlement::change).toList());
    } catch (RuntimeException batchFailed) {
      return settleOneByOne(planned, batchFailed);
    }
    int changed = 0;
    for (int i = 0; i < planned.size(); i++) {
      if (results.get(i) instanceof Update.Applied applied) {
        planned.get(i).announce(applied.stored());
        changed++;
      }
    }
    return new DueReport(changed, List.of());
  }

  private DueReport settleOneByOne(List<Settlement> planned, RuntimeException batchFailed) {
    int changed = 0;
    List<String> errors = new ArrayList<>();
    for (Settlement settlement : planned) {
      RequestId id = settlement.change().current().id();
      try {
        if (apply(settlement).isPresent()) {
          changed++;
        }
      } catch (RuntimeException e) {
        // One request the store refuses, or the store itself? A plain read tells: if it fails too,
        // stop here.
        try {
          requests.find(id);
        } catch (RuntimeException storeDown) {
          batchFailed.addSuppressed(storeDown);
          throw batchFailed;
        }
        errors.add(id + ": " + e);
      }
    }
    return new DueReport(changed, errors);
  }

  /**
   * Settles, on every cluster at once and in batches of {@link #DUE_BATCH}, what is due and needs
   * no cluster: unanswered requests time out, access whose window closed ends in the records (its
   * removal is then due), reminders go out. Runs apart from the clusters' own timer work, so a
   * cluster that answers slowly or not at all — with a long line of removals — cannot hold up the
   * end of access anywhere. Reports how many changed and which requests could not be written.
   */
  public DueReport settleAllDue() {
    int total = 0;
    List<String> errors = new ArrayList<>();
    for (int batches = 0; batches < 1_000; batches++) {
      List<AccessRequest> due = requests.findDueToSettle(clock.instant(), DUE_BATCH);
      DueReport report = settleDue(due);
      total += report.handled();
      errors.addAll(report.errors());
      if (report.handled() == 0) {
        break; // nothing due, or what is left lost a race or failed, and is looked at again next
        // time
      }
    }
    return new DueReport(
        total, errors.stream().distinct().toList()); // a failing request is tried in each batch
  }

  /**
   * A change the timers make with no cluster involved, and how people hear of it once committed.
   */
  private record Settlement(RequestStore.Change change, Consumer<AccessRequest> announce) {
    void announce(AccessRequest stored) {
      announce.accept(stored);
    }
  }

  /** What a due request needs that involves no cluster, if anything. */
  private Optional<Settlement> settlement(AccessRequest r, Instant now) {
    return switch (r.state()) {
      case PENDING -> pastPendingWindow(r, now) ? Optional.of(timedOut(r, now)) : Optional.empty();
      case APPROVED ->
          r.kind() == RequestKind.ACCESS && !r.expiresAt().orElseThrow().isAfter(now)
              ? Optional.of(expired(r, now, Map.of("note", "window ended before the grant")))
              : Optional.empty();
      case ACTIVE -> {
        Instant expiry = r.expiresAt().orElseThrow();
        if (!expiry.isAfter(now)) {
          yield Optional.of(expired(r, now, Map.of("expires_at", expiry.toString())));
        }
        if (!r.reminderSent() && !expiry.minus(AccessRequest.REMINDER_BEFORE_EXPIRY).isAfter(now)) {
          yield Optional.of(
              new Settlement(
                  new RequestStore.Change(r, r.withReminderSent(true), List.of()),
                  notifier::expiringSoon));
        }
        yield Optional.empty();
      }
      default -> Optional.empty();
    };
  }

  private Settlement timedOut(AccessRequest r, Instant now) {
    return systemChange(
        r,
        r.withState(RequestState.TIMED_OUT).withEnd(now, Actor.SYSTEM),
        AuditAction.REQUEST_TIMED_OUT,
        Map.of());
  }

  /** To EXPIRED, with the removal of whatever the cluster may hold due at once. */
  private Settlement expired(AccessRequest r, Instant now, Map<String, String> details) {
    return systemChange(
        r,
        r.withState(RequestState.EXPIRED)
            .withEnd(now, Actor.SYSTEM)
            .withGrantPresent(r.kind() == RequestKind.ACCESS)
            .withRetry(0, Optional.of(now)),
        AuditAction.REQUEST_EXPIRED,
        details);
  }

  private Settlement systemChange(
      AccessRequest r, AccessRequest next, AuditAction action, Map<String, String> details) {
    AuditEvent event =
        AuditEvent.about(
            r,
            clock.instant(),
            Actor.SYSTEM,
            action,
            action == AuditAction.GRANT_FAILED ? AuditResult.FAILED : AuditResult.OK,
            details);
    return new Settlement(
        new RequestStore.Change(r, next, List.of(event)),
        stored -> notifier.requestChanged(stored, event));
  }

  /** Commits one settlement; the request as stored, or empty when someone changed it first. */
  private Optional<AccessRequest> apply(Settlement settlement) {
    RequestStore.Change change = settlement.change();
    if (requests.update(change.current(), change.next(), change.events())
        instanceof Update.Applied applied) {
      settlement.announce(applied.stored());
      return Optional.of(applied.stored());
    }
    return Optional.empty();
  }

  /**
   * When a decision counts: when it was made, if that is known and plausible (not before the
   * request, not ahead).
   */
  private static Instant decisionInstant(AccessRequest r, Optional<Instant> madeAt, Instant now) {
    return madeAt.filter(t -> !t.isAfter(now) && !t.isBefore(r.createdAt())).orElse(now);
  }

  /**
   * The two-hour rule does not depend on the timer being on time: a request whose window has passed
   * is timed out by whoever touches it first, and a decision arriving late grants nothing.
   */
  private static boolean pastPendingWindow(AccessRequest r, Instant now) {
    return r.state() == RequestState.PENDING && !now.isBefore(r.pendingExpiresAt());
  }

  /**
   * PENDING to TIMED_OUT; returns the request as it then stands (timed out here or decided by
   * someone else).
   */
  private AccessRequest timeOut(AccessRequest r, Instant now) {
    return apply(timedOut(r, now)).orElseGet(() -> requests.find(r.id()).orElse(r));
  }

  /**
   * An APPROVED request: grant it (access) or apply it to its original (extension); expire it if
   * too late.
   */
  private AccessRequest carryOut(AccessRequest r) {
    Instant now = clock.instant();
    if (r.kind() == RequestKind.EXTENSION) {
      return applyExtension(r, now);
    }
    if (!r.expiresAt().orElseThrow().isAfter(now)) {
      return apply(expired(r, now, Map.of("note", "window ended before the grant")))
          .map(this::removeGrant)
          .orElse(r);
    }
    Optional<String> blocked = grantBlocked(r);
    if (blocked.isPresent()) {
      // Nothing was created for it; the removal that follows FAILED only confirms that.
      AccessRequest next =
          r.withState(RequestState.FAILED)
              .withFailure(blocked.get())
              .withEnd(now, Actor.SYSTEM)
              .withRetry(0, Optional.of(now));
      return transition(
              r, next, AuditAction.GRANT_FAILED, Map.of("error", PlainText.clean(blocked.get())))
          .map(this::removeGrant)
          .orElseGet(() -> afterLostRace(r));
    }
    ClusterAccess.Grant grant = desiredGrant(r);
    GrantResult result = clusters.grant(grant);
    return switch (result) {
      case GrantResult.Granted granted -> {
        AccessRequest next =
            r.withState(RequestState.ACTIVE).withGrantedAt(now).withRetry(0, Optional.empty());
        Optional<AccessRequest> stored =
            transition(
                r,
                next,
                AuditAction.GRANT_CREATED,
                Map.of(
                    "cluster_role",
                    grant.clusterRole(),
                    "subject",
                    describe(grant.subject()),
                    "expires_at",
                    r.expiresAt().orElseThrow().toString()));
        yield stored.orElseGet(() -> afterLostRace(r));
      }
      case GrantResult.Refused refused -> {
        // A refused grant leaves nothing in the cluster (the adapter's promise): nothing to remove.
        AccessRequest next =
            r.withState(RequestState.FAILED)
                .withFailure(PlainText.clean(refused.message()))
                .withEnd(now, Actor.SYSTEM)
                .withGrantPresent(false)
                .withRetry(0, Optional.empty());
        yield transition(
                r,
                next,
                AuditAction.GRANT_FAILED,
                Map.of("error", PlainText.clean(refused.message())))
            .orElseGet(() -> afterLostRace(r));
      }
      case GrantResult.Unavailable unavailable -> {
        Instant approvedAt = r.decidedAt().orElse(r.createdAt());
        if (!approvedAt.plus(retry.grantGiveUp()).isAfter(now)) {
          String message =
              "the cluster could not be reached for "
                  + Durations.format(retry.grantGiveUp())
                  + ": "
                  + unavailable.message();
          AccessRequest next =
              r.withState(RequestState.FAILED)
                  .withFailure(PlainText.clean(message))
                  .withEnd(now, Actor.SYSTEM)
                  .withRetry(0, Optional.of(now));
          yield transition(
                  r, next, AuditAction.GRANT_FAILED, Map.of("error", PlainText.clean(message)))
              .map(this::removeGrant)
              .orElse(r);
        }
        int attempts = r.attempts() + 1;
        AccessRequest next = r.withRetry(attempts, Optional.of(now.plus(retry.backoff(attempts))));
        List<AuditEvent> events =
            attempts == 1
                ? List.of(
                    AuditEvent.about(
                        r,
                        now,
                        Actor.SYSTEM,
                        AuditAction.GRANT_RETRY,
                        AuditResult.FAILED,
                        Map.of("error", PlainText.clean(unavailable.message()))))
                : List.of();
        yield requests.update(r, next, events) instanceof Update.Applied applied
            ? applied.stored()
            : afterLostRace(r);
      }
    };
  }

  /**
   * Why an approved request must not be granted after all: its cluster or role is no longer
   * configured, or support access was disabled since the approval (a {@code disable} racing the
   * approval must not be outrun by the grant).
   */
  private Optional<String> grantBlocked(AccessRequest r) {
    Optional<ClusterPolicy> policy = customers.policy(r.cluster());
    if (policy.isEmpty()) {
      return Optional.of("cluster " + r.cluster().name() + " is no longer configured");
    }
    if (policy.get().role(r.role()).isEmpty()) {
      return Optional.of("role " + r.role() + " is no longer offered on " + r.cluster().name());
    }
    return checkEnabled(r.cluster(), r.role()).map(refusal -> "not granted: " + refusal.message());
  }

  /**
   * A grant step lost a race. If the request was ended meanwhile (revoked, expired), its clean-up
   * may already have run, before this grant (re-)created objects: remove them again rather than
   * leave them to reconciliation.
   */
  private AccessRequest afterLostRace(AccessRequest r) {
    AccessRequest current = requests.find(r.id()).orElse(r);
    return current.state().isFinal() ? removeAfterLostRace(current) : current;
  }

  private AccessRequest applyExtension(AccessRequest extension, Instant now) {
    for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      AccessRequest original =
          requests.find(extension.extendsRequest().orElseThrow()).orElseThrow();
      Instant newEnd = extension.expiresAt().orElseThrow();
      if (original.state() != RequestState.ACTIVE
          || !original.expiresAt().orElseThrow().isAfter(now)) {
        return failExtension(
            extension, now, "the access it extends ended first", "original no longer active");
      }
      // As for a grant: a disable, or a role taken out of the configuration, since the approval is
      // not outrun.
      Optional<String> blocked = grantBlocked(extension);
      if (blocked.isPresent()) {
        return failExtension(extension, now, blocked.get(), blocked.get());
      }
      if (original.expiresAt().orElseThrow().isBefore(newEnd)) {
        AccessRequest longer = original.withExpiresAt(newEnd).withReminderSent(false);
        AuditEvent event =
            AuditEvent.about(
                original,
                now,
                extension.decidedBy().orElse(Actor.SYSTEM),
                AuditAction.REQUEST_EXTENDED,
                AuditResult.OK,
                Map.of("extension", extension.id().value(), "expires_at", newEnd.toString()));
        if (!(requests.update(original, longer, List.of(event))
            instanceof Update.Applied applied)) {
          continue;
        }
        notifier.requestChanged(applied.stored(), event);
      }
      AccessRequest done = extension.withGrantedAt(now).withRetry(0, Optional.empty());
      return requests.update(extension, done, List.of()) instanceof Update.Applied applied
          ? applied.stored()
          : extension;
    }
    throw new IllegalStateException("request " + extension.id() + " kept changing under extension");
  }

  /**
   * An approved extension that will not be applied: FAILED, with why for the card and for the audit
   * trail.
   */
  private AccessRequest failExtension(
      AccessRequest extension, Instant now, String failure, String auditError) {
    AccessRequest next =
        extension
            .withState(RequestState.FAILED)
            .withEnd(now, Actor.SYSTEM)
            .withFailure(failure)
            .withRetry(0, Optional.empty());
    return transition(extension, next, AuditAction.GRANT_FAILED, Map.of("error", auditError))
        .orElse(extension);
  }

  private AccessRequest removeAfterLostRace(AccessRequest ended) {
    for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      AccessRequest owing = ended.withGrantPresent(true).withRetry(0, Optional.of(clock.instant()));
      switch (requests.update(ended, owing, List.of())) {
        case Update.Applied applied -> {
          return removeGrant(applied.stored());
        }
        case Update.Conflict conflict -> ended = conflict.current();
      }
    }
    throw new IllegalStateException("request " + ended.id() + " kept changing after a late grant");
  }

  /**
   * Removes what the cluster holds for a final request; on failure schedules the next try and says
   * if overdue.
   */
  private AccessRequest removeGrant(AccessRequest r) {
    if (!r.grantPresent()) {
      return r;
    }
    Instant now = clock.instant();
    return switch (clusters.revoke(footprint(r))) {
      case RemovalResult.Removed removed -> {
        AccessRequest next = r.withGrantPresent(false).withRetry(0, Optional.empty());
        AuditEvent event =
            AuditEvent.about(
                r,
                now,
                Actor.SYSTEM,
                AuditAction.GRANT_REMOVED,
                AuditResult.OK,
                Map.of(
                    "attempts",
                    Integer.toString(r.attempts() + 1),
                    "objects_deleted",
                    Integer.toString(removed.deleted())));
        if (requests.update(r, next, List.of(event)) instanceof Update.Applied applied) {
          notifier.requestChanged(applied.stored(), event);
          yield applied.stored();
        }
        yield requests.find(r.id()).orElse(r);
      }
      case RemovalResult.Unavailable unavailable -> {
        int attempts = r.attempts() + 1;
        AccessRequest next = r.withRetry(attempts, Optional.of(now.plus(retry.backoff(attempts))));
        List<AuditEvent> events =
            attempts == 1
                ? List.of(
                    AuditEvent.about(
                        r,
                        now,
                        Actor.SYSTEM,
                        AuditAction.GRANT_REMOVAL_RETRY,
                        AuditResult.FAILED,
                        Map.of("error", PlainText.clean(unavailable.message()))))
                : List.of();
        AccessRequest stored =
            requests.update(r, next, events) instanceof Update.Applied applied
                ? applied.stored()
                : r;
        if (isOverdue(stored, now)) {
          notifier.revocationOverdue(stored);
        }
        yield stored;
      }
    };
  }

  private boolean isOverdue(AccessRequest r, Instant now) {
    return r.removalDueSince()
        .map(since -> !since.plus(retry.overdueNotice()).isAfter(now))
        .orElse(false);
  }

  /**
   * Grants still in a cluster more than the notice period after their end (for metrics): removals
   * that keep failing, and access the timers have not ended although its window closed (e.g. a
   * backlog).
   */
  public List<AccessRequest> overdueRevocations() {
    Instant now = clock.instant();
    Instant lateSince = now.minus(retry.overdueNotice());
    List<AccessRequest> overdue =
        new ArrayList<>(
            requests.findRevocationsPending().stream().filter(r -> isOverdue(r, now)).toList());
    requests.findDue(lateSince, DUE_BATCH).stream()
        .filter(
            r ->
                r.state().holdsAccess()
                    && r.expiresAt().map(e -> !e.isAfter(lateSince)).orElse(false))
        .forEach(overdue::add);
    return overdue;
  }

  /**
   * Clusters where a removal failed and waits for its next try: worth probing, to retry as soon as
   * they answer.
   */
  public Set<ClusterRef> clustersOwingRemovals() {
    Instant now = clock.instant();
    Set<ClusterRef> owing = new LinkedHashSet<>();
    for (AccessRequest r : requests.findRevocationsPending()) {
      if (r.nextAttemptAt().map(at -> at.isAfter(now)).orElse(false)) {
        owing.add(r.cluster());
      }
    }
    return owing;
  }

  /**
   * Brings forward the next try of every pending grant removal on a cluster, e.g. as soon as it
   * answers again, so a long outage is not followed by a long backoff.
   */
  public void retryRemovalsNow(ClusterRef cluster) {
    Instant now = clock.instant();
    for (AccessRequest r : requests.findRevocationsPending()) {
      if (r.cluster().equals(cluster)
          && r.nextAttemptAt().map(at -> at.isAfter(now)).orElse(false)) {
        requests.update(r, r.withRetry(r.attempts(), Optional.of(now)), List.of());
      }
    }
  }

  /**
   * The objects an approved request needs: a pure function of the request and its cluster's policy.
   */
  public ClusterAccess.Grant desiredGrant(AccessRequest r) {
    ClusterPolicy policy =
        customers
            .policy(r.cluster())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "cluster " + r.cluster() + " is no longer configured"));
    RoleDefinition role =
        policy
            .role(r.role())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "role " + r.role() + " is no longer offered on " + r.cluster()));
    Subject subject = Subject.of(r.id(), r.credentials(), r.requester(), policy.subjectTemplate());
    List<String> approvers = r.approvals().stream().map(a -> a.approver().audit()).toList();
    return new ClusterAccess.Grant(
        r.id(),
        r.cluster(),
        role.clusterRole(),
        r.scope(),
        subject,
        r.expiresAt().orElseThrow(),
        approvers,
        r.reason());
  }

  /**
   * Where a request's objects are, from what it was granted with (scope and credentials never
   * change).
   */
  static ClusterAccess.Footprint footprint(AccessRequest r) {
    return new ClusterAccess.Footprint(
        r.cluster(), r.id(), r.scope(), r.credentials().usesServiceAccount());
  }

  private static String describe(Subject subject) {
    return switch (subject) {
      case Subject.ServiceAccount sa -> "ServiceAccount " + sa.namespace() + "/" + sa.name();
      case Subject.User user -> "User " + user.name();
    };
  }

  // ---------------------------------------------------------------- reconciliation

  /**
   * Compares what a cluster holds with the records: objects of unknown or finished requests are
   * removed and audited; active access whose binding someone removed outside Latchkey becomes
   * REVOKED (actor: cluster).
   */
  public ReconcileReport reconcile(ClusterRef cluster) {
    // Read before the listing: a request that could still hold objects then, but has been cleaned
    // up by the time
    // it is looked at below, was removed while the listing was taken (a mass expiry in progress) —
    // not an orphan.
    List<AccessRequest> holding = requests.findHoldingAccess(cluster);
    Set<RequestId> mayHoldObjects = new HashSet<>();
    holding.forEach(r -> mayHoldObjects.add(r.id()));
    requests.findRevocationsPending().stream()
        .filter(r -> r.cluster().equals(cluster))
        .forEach(r -> mayHoldObjects.add(r.id()));
    Instant listedAt = clock.instant();
    Listing listing = clusters.listManaged(cluster);
    if (listing instanceof Listing.Unavailable unavailable) {
      return new ReconcileReport(cluster, List.of(), List.of(), Optional.of(unavailable.message()));
    }
    List<ManagedGrant> found = ((Listing.Listed) listing).grants();
    Map<RequestId, ManagedGrant> byId = new HashMap<>();
    found.forEach(g -> byId.put(g.id(), g));

    List<RequestId> orphans = new ArrayList<>();
    for (ManagedGrant grant : found) {
      Optional<AccessRequest> request = requests.find(grant.id());
      if (request.isPresent() && !request.get().cluster().equals(cluster)) {
        // Another configured entry for the same API server made it: that entry's reconciliation
        // judges it.
        continue;
      }
      boolean keep =
          request.isPresent()
              && (request.get().state().holdsAccess() || request.get().grantPresent());
      if (keep || mayHoldObjects.contains(grant.id())) {
        continue; // in use, or cleaned up since the listing: the next pass sees what is really left
      }
      // Deleted nothing: someone else's clean-up got there first; no orphan, nothing to record.
      if (clusters.removeListed(cluster, grant) instanceof RemovalResult.Removed removed
          && removed.deleted() > 0) {
        orphans.add(grant.id());
        audit.append(
            new AuditEvent(
                clock.instant(),
                Actor.SYSTEM,
                Optional.of(cluster.customer()),
                Optional.of(grant.id()),
                AuditAction.RECONCILE_ORPHAN_REMOVED,
                AuditResult.OK,
                Map.of(
                    "cluster",
                    cluster.name(),
                    "kinds",
                    grant.kinds().stream().map(Enum::name).sorted().toList().toString(),
                    "request_state",
                    request.map(r -> r.state().name()).orElse("unknown"))));
      }
    }

    List<RequestId> revokedOutside = new ArrayList<>();
    for (AccessRequest r : holding) {
      if (r.kind() != RequestKind.ACCESS || r.state() != RequestState.ACTIVE) {
        continue;
      }
      if (!r.expiresAt().orElseThrow().isAfter(listedAt)) {
        // The timer is late (or was stopped): the listing is the moment to end it.
        apply(expired(r, listedAt, Map.of("expires_at", r.expiresAt().orElseThrow().toString())))
            .ifPresent(this::removeGrant);
        continue;
      }
      boolean settled =
          r.grantedAt().map(at -> at.plus(RECONCILE_GRACE).isBefore(listedAt)).orElse(false);
      List<String> missing = footprint(r).missingFrom(Optional.ofNullable(byId.get(r.id())));
      if (settled && !missing.isEmpty()) {
        String what = String.join(", ", missing);
        AuditEvent noticed =
            AuditEvent.about(
                r,
                clock.instant(),
                Actor.CLUSTER,
                AuditAction.RECONCILE_GRANT_MISSING,
                AuditResult.OK,
                Map.of("missing", what));
        endAccess(
                r,
                Actor.CLUSTER,
                Map.of("cause", what + " removed outside Latchkey"),
                List.of(noticed))
            .ifPresent(x -> revokedOutside.add(r.id()));
      }
    }
    return new ReconcileReport(cluster, orphans, revokedOutside, Optional.empty());
  }

  // ---------------------------------------------------------------- helpers

  /** A change the timers make (time-out, grant, expiry, failure): Latchkey itself is the actor. */
  private Optional<AccessRequest> transition(
      AccessRequest r, AccessRequest next, AuditAction action, Map<String, String> details) {
    return apply(systemChange(r, next, action, details));
  }

  private static Outcome refused(Refusal.Reason reason, String message) {
    return new Outcome.Refused(reason, message);
  }

  /**
   * The details an adapter passes with a decision (e.g. a written reply's text), cleaned to be
   * recordable.
   */
  private static Map<String, String> withMethod(
      Map<String, String> details, DecisionMethod method) {
    Map<String, String> out = new HashMap<>();
    details.forEach((k, v) -> out.put(PlainText.clean(k), PlainText.clean(v)));
    out.put("method", method.audit());
    return out;
  }

  private static Map<String, String> withExtra(
      Map<String, String> details, String key, String value) {
    Map<String, String> out = new HashMap<>(details);
    out.put(key, value);
    return out;
  }
}
