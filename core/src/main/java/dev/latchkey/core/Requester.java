package dev.latchkey.core;

import java.util.Locale;
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

  /**
   * Whether {@code actor} may be this requester under another account, for the rule that nobody
   * decides their own request: the same user id ({@link #is}), or the same email as Slack's
   * directory shows it (case-insensitive), when it shows one for both. Only for that rule: what the
   * requester alone may do (cancel, extend, fetch a kubeconfig) stays with their own account.
   */
  public boolean isSamePerson(Actor actor) {
    if (is(actor)) {
      return true;
    }
    return actor instanceof Actor.SlackUser other
        && email.isPresent()
        && other.email().isPresent()
        && normalised(email.get()).equals(normalised(other.email().get()));
  }

  private static String normalised(String email) {
    return email.strip().toLowerCase(Locale.ROOT);
  }
}
