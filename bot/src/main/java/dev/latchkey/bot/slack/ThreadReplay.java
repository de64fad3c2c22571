package dev.latchkey.bot.slack;

import com.slack.api.model.Message;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.Outcome;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.CardStore.CardRef;
import dev.latchkey.core.port.RequestStore;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Written decisions made while Latchkey was down. At start-up, before serving, the threads of every pending card
 * are read (conversations.replies) and their decision replies applied in the order they were written, exactly as
 * if they had arrived live; replies already recorded are skipped, and the core answers decisions on a request
 * that is no longer pending with "already decided".
 */
public final class ThreadReplay {
  private static final Logger log = LoggerFactory.getLogger(ThreadReplay.class);

  private final Customers customers;
  private final RequestStore requests;
  private final CardStore cards;
  private final SlackApi api;
  private final WrittenDecisions decisions;

  ThreadReplay(Customers customers, RequestStore requests, CardStore cards, SlackApi api,
      WrittenDecisions decisions) {
    this.customers = customers;
    this.requests = requests;
    this.cards = cards;
    this.api = api;
    this.decisions = decisions;
  }

  /** Applies missed written decisions; returns how many replies decided or counted. Never throws. */
  public int replayPendingThreads() {
    int applied = 0;
    for (Customer customer : customers.all()) {
      List<AccessRequest> pending;
      try {
        pending = requests.findOpen(customer.id()).stream().filter(r -> r.state() == RequestState.PENDING)
            .toList();
      } catch (RuntimeException e) {
        log.error("pending requests of {} could not be read", customer.id(), e);
        continue;
      }
      for (AccessRequest r : pending) {
        Optional<CardRef> card = cards.find(r.id());
        if (card.isPresent()) {
          applied += replay(r, card.get());
        }
      }
    }
    if (applied > 0) {
      log.info("applied {} written decisions made while Latchkey was not running", applied);
    }
    return applied;
  }

  private int replay(AccessRequest r, CardRef card) {
    List<Message> messages;
    try {
      messages = api.replies(card.channelId(), card.ts());
    } catch (SlackCallException e) {
      log.warn("thread of {} could not be read ({}); its written decisions wait for the next start", r.id(),
          e.error());
      return 0;
    }
    int applied = 0;
    List<Message> replies = messages.stream()
        .filter(m -> m.getTs() != null && !m.getTs().equals(card.ts()))
        .filter(m -> m.getSubtype() == null && m.getBotId() == null && m.getUser() != null)
        .filter(m -> WrittenDecisions.parse(m.getText()).isPresent())
        .sorted(Comparator.comparing(m -> timestamp(m.getTs())))
        .toList();
    for (Message m : replies) {
      try {
        Optional<Outcome> outcome = decisions.apply(new WrittenDecisions.Reply(card.channelId(), card.ts(),
            m.getTs(), m.getUser(), m.getText()),
            false);
        if (outcome.filter(o -> o instanceof Outcome.Approved || o instanceof Outcome.Denied
            || o instanceof Outcome.AwaitingMoreApprovals).isPresent()) {
          applied++;
        }
        if (requests.find(r.id()).map(x -> x.state() != RequestState.PENDING).orElse(true)) {
          break;
        }
      } catch (RuntimeException e) {
        log.error("replaying reply {} on {} failed", m.getTs(), r.id(), e);
      }
    }
    return applied;
  }

  private static BigDecimal timestamp(String ts) {
    try {
      return new BigDecimal(ts);
    } catch (NumberFormatException e) {
      return BigDecimal.ZERO;
    }
  }
}
