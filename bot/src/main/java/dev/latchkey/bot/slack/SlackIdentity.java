package dev.latchkey.bot.slack;

import dev.latchkey.core.Actor;
import dev.latchkey.core.Customer;
import java.util.Optional;

/**
 * Who acted, as Slack's payload says: the user id and the id of the user's <em>own</em> workspace. In a Slack
 * Connect channel the installing workspace ({@code team.id} of an interaction) is the same for everyone, so it is
 * never used. For a customer configured by its Enterprise Grid org id ({@code E…}), the user's enterprise id is
 * compared instead of the workspace id.
 */
final class SlackIdentity {
  private SlackIdentity() {}

  static Optional<Actor.SlackUser> of(
      Optional<String> userId, Optional<String> teamId, Optional<String> enterpriseId, Optional<Customer> customer) {
    if (userId.isEmpty()) {
      return Optional.empty();
    }
    boolean byOrg = customer.map(c -> c.teamId().startsWith("E")).orElse(false);
    Optional<String> team = byOrg && enterpriseId.isPresent() ? enterpriseId : teamId;
    if (team.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Actor.SlackUser(team.get(), userId.get()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
