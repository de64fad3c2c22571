package dev.latchkey.core;

import java.util.Objects;

/**
 * Who did something: a Slack user of a workspace, Latchkey itself, or the cluster (a change made
 * outside).
 */
public sealed interface Actor {

  /**
   * The form written to the audit log, e.g. {@code slack:T0123/U0456}, {@code system}, {@code
   * cluster}.
   */
  String audit();

  /** A Slack user: the id of their own workspace (or Enterprise org) and their user id. */
  record SlackUser(String teamId, String userId) implements Actor {
    public SlackUser {
      requireSlackId(teamId, "teamId");
      requireSlackId(userId, "userId");
    }

    @Override
    public String audit() {
      return "slack:" + teamId + "/" + userId;
    }

    private static void requireSlackId(String id, String what) {
      Objects.requireNonNull(id, what);
      if (!id.matches("[A-Z0-9]{2,32}")) {
        throw new IllegalArgumentException(what + " is not a Slack id: " + id);
      }
    }
  }

  /** Latchkey's own timers and reconciliation. */
  record System() implements Actor {
    @Override
    public String audit() {
      return "system";
    }
  }

  /**
   * A change observed in the cluster that nobody made through Latchkey (e.g. a binding deleted by
   * hand).
   */
  record Cluster() implements Actor {
    @Override
    public String audit() {
      return "cluster";
    }
  }

  Actor SYSTEM = new System();
  Actor CLUSTER = new Cluster();
}
