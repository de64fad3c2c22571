package dev.latchkey.core.session;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the records say of a request as far as the gateway's admission looks: read on every request
 * through the gateway, so only the fields the rule needs.
 */
public record GrantStanding(
    RequestId id,
    RequestKind kind,
    ClusterRef cluster,
    String role,
    CredentialMode credentials,
    RequestState state,
    Optional<Instant> expiresAt) {

  public GrantStanding {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  public static GrantStanding of(AccessRequest r) {
    return new GrantStanding(
        r.id(), r.kind(), r.cluster(), r.role(), r.credentials(), r.state(), r.expiresAt());
  }
}
