package dev.latchkey.bot.slack;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latchkey's own bot as Slack knows it: its bot id ({@code B…}) and bot user id ({@code U…}), from
 * {@code auth.test}, asked once and kept. A card found in a channel is adopted only if this bot
 * posted it ({@link #posted}): any app in the channel can post a message whose metadata names a
 * request, and adopting one would make its thread decide the request.
 */
final class OwnBot {
  private static final Logger log = LoggerFactory.getLogger(OwnBot.class);

  /** What auth.test says about the bot token. */
  record Identity(String botId, String userId) {}

  private final SlackApi api;
  private volatile Identity known;

  OwnBot(SlackApi api) {
    this.api = api;
  }

  /**
   * The bot's identity, asked of Slack the first time. A failure a retry may fix is thrown (the
   * caller tries again later); one it cannot (a token auth.test refuses, an answer without a bot
   * id) is logged and gives empty: then nothing can be recognised as Latchkey's own.
   */
  Optional<Identity> identity() throws SlackCallException {
    Identity identity = known;
    if (identity != null) {
      return Optional.of(identity);
    }
    try {
      Optional<Identity> learnt = api.ownBot();
      if (learnt.isEmpty()) {
        log.error(
            "auth.test named no bot id and bot user id for the bot token; Latchkey cannot recognise"
                + " its own messages, so it adopts none as a card");
        return Optional.empty();
      }
      known = learnt.get();
      return learnt;
    } catch (SlackCallException e) {
      if (e.retryable()) {
        throw e;
      }
      log.error(
          "auth.test failed ({}): Latchkey's own bot id is unknown, so it adopts no message as a"
              + " card",
          e.error());
      return Optional.empty();
    }
  }

  /** Whether {@code botId} and {@code userId}, as a message carries them, are this bot's. */
  static boolean posted(Identity self, String botId, String userId) {
    return self.botId().equals(botId) && self.userId().equals(userId);
  }
}
