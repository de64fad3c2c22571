package dev.latchkey.core;

import java.util.Objects;
import java.util.Optional;

/** The support engineer who asked, with the email Slack shows for them (empty when it is hidden). */
public record Requester(Actor.SlackUser user, Optional<String> email) {
  public Requester {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(email, "email");
  }

  public boolean is(Actor actor) {
    return user.equals(actor);
  }
}
