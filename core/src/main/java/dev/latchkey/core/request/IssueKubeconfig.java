package dev.latchkey.core.request;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ClusterAccess.Kubeconfig;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.rules.CredentialRules;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The requester fetches a kubeconfig for active access, with a token that ends with the grant;
 * never in the grant's last ten minutes, so no token outlives it. Audited without the token. An
 * extension's id leads to the access it extends: a token keeps the end it was minted with, so after
 * an extension the requester fetches a new one, and may well name the id they just saw approved.
 */
public final class IssueKubeconfig {
  private final RequestStore requests;
  private final AuditLog audit;
  private final ClusterAccess clusters;
  private final Clock clock;

  public IssueKubeconfig(
      RequestStore requests, AuditLog audit, ClusterAccess clusters, Clock clock) {
    this.requests = requests;
    this.audit = audit;
    this.clusters = clusters;
    this.clock = clock;
  }

  public Result issue(RequestId id, Actor.SlackUser actor) {
    Optional<AccessRequest> found = requests.find(id);
    if (found.isEmpty()) {
      return new Result.NotFound(id.value());
    }
    AccessRequest r = found.get();
    if (r.kind() == RequestKind.EXTENSION) {
      Optional<AccessRequest> original = requests.find(r.extendsRequest().orElseThrow());
      if (original.isEmpty()) {
        return new Result.NotFound(id.value());
      }
      r = original.get();
    }
    Instant now = clock.instant();
    Optional<Refusal> refusal = CredentialRules.refusal(r, actor, now);
    if (refusal.isPresent()) {
      audit.append(AuditEvents.credentialRefused(r, now, actor, refusal.get().reason()));
      return new Result.Refused(refusal.get());
    }
    Instant notAfter = r.expiresAt().orElseThrow();
    return switch (clusters.issueCredential(r.cluster(), r.id(), notAfter)) {
      case ClusterAccess.CredentialResult.Issued issued -> {
        audit.append(
            AuditEvents.credentialIssued(r, now, actor, issued.kubeconfig().tokenExpiresAt()));
        yield new Result.Issued(r, issued.kubeconfig());
      }
      case ClusterAccess.CredentialResult.Unavailable unavailable -> {
        audit.append(AuditEvents.credentialUnavailable(r, now, actor, unavailable.message()));
        yield new Result.Refused(
            Refusal.of(Refusal.Reason.CLUSTER_UNREACHABLE)
                .with(Refusal.Fact.ERROR, unavailable.message()));
      }
    };
  }

  /** What asking for a kubeconfig gave. */
  public sealed interface Result {
    /** Issued for {@code request}: the access named, or the one the named extension extends. */
    record Issued(AccessRequest request, Kubeconfig kubeconfig) implements Result {}

    record Refused(Refusal refusal) implements Result {}

    record NotFound(String typedId) implements Result {}
  }
}
