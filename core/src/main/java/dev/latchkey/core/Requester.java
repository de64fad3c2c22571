package dev.latchkey.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The support engineer who asked, with the email Slack shows for them (empty when it is hidden).
 */
public record Requester(Actor.SlackUser user, Optional<String> email) {
  public Requester {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(email, "email");
  }

  /**
   * Whether {@code actor} is this requester. Compared by Slack user id alone: user ids are unique
   * across workspaces (an Enterprise Grid {@code W…} id across its org), whereas the workspace
   * recorded with the same person can differ between the ways they reach Latchkey; comparing it too
   * would let a requester who is also an approver pass as someone else and approve their own
   * request.
   */
  public boolean is(Actor actor) {
    return actor instanceof Actor.SlackUser other && other.userId().equals(user.userId());
  }
}
