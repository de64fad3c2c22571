package dev.latchkey.core.session;

import java.util.Objects;

/** Whether a gateway connection or request of a grant may pass now, decided by the records. */
public sealed interface Admission {

  record Admitted(GatewayGrant grant) implements Admission {
    public Admitted {
      Objects.requireNonNull(grant, "grant");
    }
  }

  record Refused(Reason reason) implements Admission {
    public Refused {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Why a grant may not pass; the gateway turns each into a status and a line the client reads. */
  enum Reason {
    /** No request with that id, or not one of this deployment's. */
    UNKNOWN_GRANT,
    /** The token's grant is on another cluster than the one the URL names. */
    WRONG_CLUSTER,
    /** The grant's cluster hands out direct credentials, not gateway ones. */
    NOT_GATEWAY_MODE,
    /** The request is not (or no longer) ACTIVE in the records. */
    NOT_ACTIVE,
    /** The grant's end has passed, whether or not the timers have recorded it yet. */
    ENDED
  }
}
