package dev.latchkey.core;

import java.util.List;

/** What enabling or disabling support access on a cluster did. */
public sealed interface ClusterOutcome {

  /** The new state, and the grants that {@code disable --now} revoked. */
  record Changed(ClusterEnablement enablement, List<AccessRequest> revoked)
      implements ClusterOutcome {
    public Changed {
      revoked = List.copyOf(revoked);
    }
  }

  record Refused(Refusal refusal) implements ClusterOutcome {}
}
