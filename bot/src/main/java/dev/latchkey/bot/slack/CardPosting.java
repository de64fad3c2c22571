package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.CardStore.CardRef;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a request's missing card exactly once, as far as Slack lets anyone know: a card that may
 * have been posted already (a failure that left it unknown, an earlier run, another process) is
 * first looked for by its {@linkplain CardMetadata message metadata} and adopted if Latchkey's own
 * bot posted it.
 */
final class CardPosting {
  private static final Logger log = LoggerFactory.getLogger(CardPosting.class);

  /**
   * A missing card of a request older than this may have been posted by an earlier run or another
   * process.
   */
  static final Duration LOOK_AFTER = Duration.ofSeconds(30);

  /**
   * How far Slack's clock and ours may disagree when looking for a card posted since its request
   * was made.
   */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(2);

  private final SlackApi api;
  private final OwnBot ownBot;
  private final CardStore cards;
  private final Clock clock;

  /** Cards this process tried to post. */
  private final Cache<RequestId, Boolean> attempted =
      Caffeine.newBuilder().expireAfterWrite(Duration.ofDays(1)).maximumSize(100_000).build();

  /** Cards whose post failed in a way that may still have posted them. */
  private final Cache<RequestId, Boolean> uncertain =
      Caffeine.newBuilder().expireAfterWrite(Duration.ofDays(1)).maximumSize(100_000).build();

  CardPosting(SlackApi api, CardStore cards, Clock clock) {
    this.api = api;
    this.ownBot = new OwnBot(api);
    this.cards = cards;
    this.clock = clock;
  }

  /** How a missing card may be posted. */
  enum Posting {
    /** Nobody can have posted it: post. */
    POST,
    /**
     * It may have been posted (a failure that left it unknown, another process, a crash): look for
     * it first.
     */
    LOOK_FIRST,
    /**
     * A new request of another process, which posts its card itself; a later pass looks if it never
     * does.
     */
    WAIT_FOR_OWNER
  }

  /**
   * Whether a missing card can be posted right away. The process that stored a request posts its
   * card at once ({@link CardSync#sync}); a card is only posted without looking first when nothing
   * can have posted it: this process never had a failure that may have posted it, and it is new
   * (younger than {@link #LOOK_AFTER}) — no crashed run or other replica can have posted it either,
   * since a repair pass leaves new requests it did not try to their own process.
   */
  Posting postingNeeds(AccessRequest r, boolean repair) {
    if (uncertain.getIfPresent(r.id()) != null) {
      return Posting.LOOK_FIRST;
    }
    boolean recent = Duration.between(r.createdAt(), clock.instant()).compareTo(LOOK_AFTER) < 0;
    if (!recent) {
      return Posting.LOOK_FIRST;
    }
    if (repair && attempted.getIfPresent(r.id()) == null) {
      return Posting.WAIT_FOR_OWNER;
    }
    return Posting.POST;
  }

  /**
   * Posts the card of {@code r} in {@code channel}, or adopts and updates the one Slack already
   * has, and saves where it is; false when it is left to the process that stored the request.
   */
  boolean postOrAdopt(AccessRequest r, String channel, RequestCard.Rendered card, boolean repair)
      throws SlackCallException {
    RequestId id = r.id();
    Optional<String> posted = Optional.empty();
    switch (postingNeeds(r, repair)) {
      case WAIT_FOR_OWNER -> {
        return false;
      }
      case LOOK_FIRST -> posted = lookFor(channel, r);
      case POST -> {}
    }
    if (posted.isPresent()) {
      log.info(
          "card of {} was posted before (ts {}); updating it instead of posting again",
          id,
          posted.get());
      cards.save(id, new CardRef(channel, posted.get()));
      api.update(channel, posted.get(), card.text(), card.blocks());
    } else {
      attempted.put(id, Boolean.TRUE);
      try {
        String ts = api.postCard(channel, id.value(), card.text(), card.blocks());
        cards.save(id, new CardRef(channel, ts));
      } catch (SlackCallException e) {
        if (e.outcomeUnknown()) {
          uncertain.put(id, Boolean.TRUE); // Slack may have posted it: look before posting again
        }
        throw e;
      }
    }
    uncertain.invalidate(id);
    return true;
  }

  /**
   * The card of {@code r} if Slack has it, posted by Latchkey's own bot (another app's message
   * carrying the request's metadata is never adopted: its thread would decide the request). A
   * failure a retry may fix is thrown (the card is not posted blind); one it cannot (the history is
   * not readable, Latchkey's own bot id cannot be learnt) is logged and the card posted, since a
   * card lost for good is worse than one shown twice.
   */
  private Optional<String> lookFor(String channel, AccessRequest r) throws SlackCallException {
    try {
      Optional<OwnBot.Identity> self = ownBot.identity();
      if (self.isEmpty()) {
        log.error(
            "card of {} not looked for: Latchkey's own bot id is unknown (see the auth.test error);"
                + " posting it",
            r.id());
        return Optional.empty();
      }
      return api.findCard(channel, r.id().value(), r.createdAt().minus(CLOCK_SKEW), self.get());
    } catch (SlackCallException e) {
      if (e.retryable()) {
        throw e;
      }
      log.error(
          "could not look for the card of {} before posting it ({}); posting it",
          r.id(),
          e.error());
      return Optional.empty();
    }
  }
}
