package dev.latchkey.core.request;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.rules.ExtensionRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The requester asks for more time on active access: a new request that needs approval like the
 * first, refused when the new end would be more than the role's maximum from now (never cut).
 */
public final class ExtendAccess {
  private final ClusterSettings settings;
  private final RequestStore requests;
  private final AuditLog audit;
  private final Notifier notifier;
  private final Clock clock;
  private final RandomGenerator random;

  public ExtendAccess(
      ClusterSettings settings,
      RequestStore requests,
      AuditLog audit,
      Notifier notifier,
      Clock clock,
      RandomGenerator random) {
    this.settings = settings;
    this.requests = requests;
    this.audit = audit;
    this.notifier = notifier;
    this.clock = clock;
    this.random = random;
  }

  public Result extend(RequestId id, Actor.SlackUser actor, Duration more) {
    Optional<AccessRequest> found = requests.find(id);
    if (found.isEmpty()) {
      return new Result.NotFound(id.value());
    }
    AccessRequest original = found.get();
    Instant now = clock.instant();
    Optional<ClusterPolicy> policy = settings.policy(original.cluster());
    Optional<RoleDefinition> role = policy.flatMap(p -> p.role(original.role()));
    Optional<Refusal> refusal =
        ExtensionRules.refusal(
            original,
            actor,
            more,
            now,
            role,
            settings.enablement(original.cluster()),
            () -> !requests.findPendingExtensions(original.id()).isEmpty());
    if (refusal.isPresent()) {
      audit.append(
          AuditEvents.extensionRefused(original, now, actor, refusal.get().reason(), more));
      return new Result.Refused(refusal.get());
    }
    Duration ttl =
        ExtensionRules.pendingTtl(
            policy.orElseThrow().pendingTtl(), now, original.expiresAt().orElseThrow());
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
            role.orElseThrow().approvalsRequired());
    AuditEvent event = AuditEvents.extensionRequested(extension, now, actor, original.id(), more);
    requests.insert(extension, List.of(event));
    notifier.requestChanged(extension, event);
    return new Result.Requested(extension, original);
  }

  /** What asking for an extension did. */
  public sealed interface Result {
    /** An extension request was created and waits for approval. */
    record Requested(AccessRequest extension, AccessRequest original) implements Result {}

    record Refused(Refusal refusal) implements Result {}

    record NotFound(String typedId) implements Result {}
  }
}
