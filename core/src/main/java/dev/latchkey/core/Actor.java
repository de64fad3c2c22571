package dev.latchkey.core;

import java.util.Objects;
import java.util.Optional;

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

  /**
   * A Slack user: the id of their own workspace (or Enterprise org) and their user id, which are
   * who they are; and the email Slack's directory showed for them when they acted (empty when it
   * was hidden or not looked up), used only to tell a second account of a requester from someone
   * else ({@link Requester#isSamePerson}). The email is not part of their identity: equality, the
   * hash and the audit form are by workspace and user id alone, and it is never printed.
   */
  record SlackUser(String teamId, String userId, Optional<String> email) implements Actor {
    public SlackUser {
      requireSlackId(teamId, "teamId");
      requireSlackId(userId, "userId");
      Objects.requireNonNull(email, "email");
      email = email.map(String::strip).filter(e -> !e.isEmpty());
    }

    /** A user whose email is not known. */
    public SlackUser(String teamId, String userId) {
      this(teamId, userId, Optional.empty());
    }

    @Override
    public String audit() {
      return "slack:" + teamId + "/" + userId;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof SlackUser that
          && teamId.equals(that.teamId)
          && userId.equals(that.userId);
    }

    @Override
    public int hashCode() {
      return Objects.hash(teamId, userId);
    }

    @Override
    public String toString() {
      return "SlackUser[teamId=" + teamId + ", userId=" + userId + "]";
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
