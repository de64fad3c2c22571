package dev.latchkey.bot.slack;

import dev.latchkey.core.session.StreamSession;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a request's card shows of its gateway sessions: those open now, and once access has ended a
 * summary of everything that went through. Read from the store just before the card is rendered.
 *
 * @param open the sessions not ended yet, the oldest first
 * @param summary after the end: sessions, commands typed, requests and refused requests
 */
public record CardSessions(List<StreamSession> open, Optional<Summary> summary) {
  public static final CardSessions NONE = new CardSessions(List.of(), Optional.empty());

  public CardSessions {
    open = List.copyOf(open);
    Objects.requireNonNull(summary, "summary");
  }

  /**
   * Everything a grant did through the gateway, counted.
   *
   * @param uncounted recordings too large to be read for the card, whose commands are not in {@code
   *     commandsTyped}
   */
  public record Summary(
      int sessions, long commandsTyped, int uncounted, long requests, long refused) {
    public boolean isEmpty() {
      return sessions == 0 && requests == 0;
    }
  }
}
