package dev.latchkey.core.session;

import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.RequestStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a gateway connection or request of a grant may pass now. The records decide, on every
 * request and every new stream, and for every open session several times a second: a token only
 * names the grant (and impersonating a deleted ServiceAccount still works, so the token alone
 * proves nothing).
 */
public final class AdmitConnection {
  private final RequestStore requests;
  private final Customers customers;
  private final Clock clock;

  public AdmitConnection(RequestStore requests, Customers customers, Clock clock) {
    this.requests = requests;
    this.customers = customers;
    this.clock = clock;
  }

  /** Whether grant {@code id} may pass on {@code cluster} (the cluster the URL names) now. */
  public Admission admit(RequestId id, ClusterRef cluster) {
    Instant now = clock.instant();
    return requests
        .standing(id)
        .map(r -> admission(r, cluster, now))
        .orElse(new Admission.Refused(Admission.Reason.UNKNOWN_GRANT));
  }

  /**
   * The same answer as {@link #admit} when the store knows the grant's standing without waiting on
   * its database; empty when only {@link #admit} can tell. Never blocks, so an I/O thread may ask.
   */
  public Optional<Admission> admitInMemory(RequestId id, ClusterRef cluster) {
    Instant now = clock.instant();
    return requests.standingInMemory(id).map(r -> admission(r, cluster, now));
  }

  /**
   * The same for many grants at once, each on the cluster it was admitted on: what the gateway asks
   * about every grant with an open session. A grant missing from the records is refused.
   */
  public Map<RequestId, Admission> admitAll(Map<RequestId, ClusterRef> grants) {
    Instant now = clock.instant();
    Map<RequestId, Admission> out = new HashMap<>();
    Collection<RequestId> ids = grants.keySet();
    for (GrantStanding r : requests.standings(ids)) {
      out.put(r.id(), admission(r, grants.get(r.id()), now));
    }
    for (RequestId id : ids) {
      out.putIfAbsent(id, new Admission.Refused(Admission.Reason.UNKNOWN_GRANT));
    }
    return out;
  }

  /** The rule itself: a pure function of the record, the cluster named, the policy and now. */
  static Admission admission(
      GrantStanding r, ClusterRef cluster, Instant now, Customers customers) {
    if (r.kind() != RequestKind.ACCESS) {
      return new Admission.Refused(Admission.Reason.UNKNOWN_GRANT);
    }
    if (!r.cluster().equals(cluster)) {
      return new Admission.Refused(Admission.Reason.WRONG_CLUSTER);
    }
    if (r.credentials() != CredentialMode.GATEWAY) {
      return new Admission.Refused(Admission.Reason.NOT_GATEWAY_MODE);
    }
    if (r.state() != RequestState.ACTIVE) {
      return new Admission.Refused(Admission.Reason.NOT_ACTIVE);
    }
    Instant end = r.expiresAt().orElseThrow();
    if (!end.isAfter(now)) {
      return new Admission.Refused(Admission.Reason.ENDED);
    }
    Optional<ClusterPolicy> policy = customers.policy(r.cluster());
    if (policy.isEmpty()) {
      return new Admission.Refused(Admission.Reason.UNKNOWN_GRANT);
    }
    return new Admission.Admitted(
        new GatewayGrant(r.id(), r.cluster(), r.role(), end, policy.get().protectedNamespaces()));
  }

  private Admission admission(GrantStanding r, ClusterRef cluster, Instant now) {
    return admission(r, cluster, now, customers);
  }
}
