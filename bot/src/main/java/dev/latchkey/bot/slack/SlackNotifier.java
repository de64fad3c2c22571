package dev.latchkey.bot.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.Backoff;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.Durations;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.port.CardStore.CardRef;
import dev.latchkey.core.port.Notifier;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells people about committed changes through Slack: the card is brought up to date, each event
 * gets a short reply in the card's thread, and the requester gets a direct message when their
 * request is decided, 15 minutes before their access ends, and when it ends; a gateway session
 * opening or ending redraws the card. Every method only queues work (per request, in order) and
 * returns; none throws.
 *
 * <p>Notices use the {@linkplain SlackApi#background() background} client: a rate limit or outage
 * does not hold a thread; the notice is tried again after Slack's Retry-After (or a backoff from 2
 * s doubling to 2 min, at most {@link KeyedSerialExecutor#MAX_TRIES} tries), and the request's
 * later notices wait behind it so the thread still reads in order. A thread reply whose card is not
 * posted yet waits for the card the same way.
 */
public final class SlackNotifier implements Notifier {
  private static final Logger log = LoggerFactory.getLogger(SlackNotifier.class);
  private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(2));

  private final SlackApi api;
  private final CardSync cards;
  private final Customers customers;
  private final KeyedSerialExecutor serial;
  private final Cache<RequestId, Boolean> overdueAnnounced =
      Caffeine.newBuilder().expireAfterWrite(Duration.ofDays(7)).maximumSize(100_000).build();
  private final Cache<String, String> dmChannels =
      Caffeine.newBuilder().expireAfterWrite(Duration.ofHours(12)).maximumSize(20_000).build();

  SlackNotifier(SlackApi api, CardSync cards, Customers customers, KeyedSerialExecutor serial) {
    this.api = api.background();
    this.cards = cards;
    this.customers = customers;
    this.serial = serial;
  }

  @Override
  public void requestChanged(AccessRequest request, AuditEvent cause) {
    try {
      RequestId id = request.id();
      // Its own card only (the periodic repair pass catches up on the others), posted at once if it
      // is new,
      // else updated once for changes that come close together.
      serial.execute(id, () -> cards.syncSoon(id));
      threadText(request, cause)
          .ifPresent(text -> serial.execute(id, attempt -> replyInThread(id, text, attempt)));
      directMessageText(request, cause)
          .ifPresent(text -> serial.execute(id, attempt -> dm(request, text, attempt)));
      if (cause.action() == dev.latchkey.core.AuditAction.EXTENSION_REQUESTED) {
        request
            .extendsRequest()
            .ifPresent(
                original ->
                    serial.execute(
                        original,
                        attempt ->
                            replyInThread(
                                original,
                                ":hourglass_flowing_sand: "
                                    + Mrkdwn.user(request.requester().user().userId())
                                    + " asked to extend this access by "
                                    + Durations.format(request.duration())
                                    + ": see "
                                    + Mrkdwn.code(request.id().value())
                                    + ".",
                                attempt)));
      }
    } catch (RuntimeException e) {
      try (var context = LogContext.request(request.id())) {
        log.error("could not queue the notice for {}", request.id(), e);
      }
    }
  }

  @Override
  public void expiringSoon(AccessRequest request) {
    try {
      serial.execute(
          request.id(),
          attempt ->
              dm(
                  request,
                  ":alarm_clock: Your access "
                      + Mrkdwn.code(request.id().value())
                      + " ("
                      + what(request)
                      + ") ends "
                      + request.expiresAt().map(Mrkdwn::date).orElse("soon")
                      + ". Need longer? "
                      + Mrkdwn.code("/access extend " + request.id().value() + " 1h")
                      + " in the support channel.",
                  attempt));
    } catch (RuntimeException e) {
      try (var context = LogContext.request(request.id())) {
        log.error("could not queue the reminder for {}", request.id(), e);
      }
    }
  }

  @Override
  public void revocationOverdue(AccessRequest request) {
    try {
      if (overdueAnnounced.asMap().putIfAbsent(request.id(), Boolean.TRUE) != null) {
        return;
      }
      String text =
          ":rotating_light: Access "
              + Mrkdwn.code(request.id().value())
              + " ("
              + what(request)
              + ") should have ended "
              + request.removalDueSince().map(Mrkdwn::date).orElse("already")
              + ", but the cluster could not be reached to remove it. Latchkey keeps retrying; this"
              + " thread will say when it is gone.";
      serial.execute(request.id(), () -> cards.sync(request.id()));
      // In the card's thread and the channel: an overdue removal is everyone's business, not only
      // the thread's.
      serial.execute(
          request.id(),
          attempt -> {
            Optional<CardRef> card = cards.card(request.id());
            if (card.isPresent()) {
              try {
                api.broadcastReply(card.get().channelId(), card.get().ts(), text);
                return Optional.empty();
              } catch (SlackCallException e) {
                return retryOrGiveUp(e, "overdue notice for " + request.id(), attempt);
              }
            }
            return customer(request)
                .map(c -> post(c.channelId(), Optional.empty(), text, attempt))
                .orElse(Optional.empty());
          });
    } catch (RuntimeException e) {
      try (var context = LogContext.request(request.id())) {
        log.error("could not queue the overdue notice for {}", request.id(), e);
      }
    }
  }

  /**
   * The card is redrawn shortly, once for all session changes close together (see {@link
   * CardSync#sessionsChanged}); nothing is read or sent now.
   */
  @Override
  public void sessionsChanged(RequestId id) {
    try {
      cards.sessionsChanged(id);
    } catch (RuntimeException e) {
      try (var context = LogContext.request(id)) {
        log.error("could not queue the card update for the sessions of {}", id, e);
      }
    }
  }

  // ---------------------------------------------------------------- thread replies

  static Optional<String> threadText(AccessRequest r, AuditEvent cause) {
    String by = RequestCard.actor(cause.actor());
    boolean written = "thread_reply".equals(cause.details().get("method"));
    String until = r.expiresAt().map(Mrkdwn::date).orElse("?");
    return switch (cause.action()) {
      case APPROVAL_GIVEN ->
          Optional.of(
              ":ballot_box_with_check: "
                  + by
                  + " approved"
                  + (written ? " in a written reply" : "")
                  + " ("
                  + Mrkdwn.escape(
                      cause
                          .details()
                          .getOrDefault(
                              "approvals", r.approvals().size() + " of " + r.approvalsRequired()))
                  + " approvals).");
      case REQUEST_APPROVED ->
          Optional.of(
              ":white_check_mark: Approved by "
                  + by
                  + (written ? " in a written reply" : "")
                  + (r.kind() == RequestKind.EXTENSION
                      ? "; extending the access."
                      : "; access until " + until + "."));
      case GRANT_CREATED ->
          Optional.of(
              ":large_green_circle: Access granted to "
                  + Mrkdwn.escape(cause.details().getOrDefault("subject", "the requester"))
                  + " until "
                  + until
                  + ".");
      case GRANT_FAILED ->
          Optional.of(
              ":x: "
                  + (r.kind() == RequestKind.EXTENSION
                      ? "The extension could not be" + " applied: "
                      : "The grant failed: ")
                  + Mrkdwn.truncate(
                      Mrkdwn.escape(
                          r.failure()
                              .orElse(cause.details().getOrDefault("error", "unknown error"))),
                      1500));
      case REQUEST_DENIED ->
          Optional.of(":no_entry: Denied by " + by + (written ? " in a written reply" : "") + ".");
      case REQUEST_TIMED_OUT ->
          Optional.of(
              ":zzz: Nobody answered in time; the request timed out and nothing was " + "granted.");
      case REQUEST_CANCELLED -> Optional.of(":heavy_minus_sign: Cancelled by the requester.");
      case REQUEST_REVOKED ->
          Optional.of(
              cause.actor() instanceof Actor.Cluster
                  ? ":scissors: The grant was removed outside Latchkey (its binding was deleted on"
                      + " the cluster); the access is revoked."
                  : ":scissors: Revoked by "
                      + by
                      + ("cluster disabled".equals(cause.details().get("cause"))
                          ? " (support access on the cluster was disabled)."
                          : "."));
      case REQUEST_EXPIRED -> Optional.of(":checkered_flag: Access expired.");
      case GRANT_REMOVED -> Optional.of(":broom: Grant removed from the cluster.");
      case REQUEST_EXTENDED ->
          Optional.of(
              ":hourglass_flowing_sand: Extended until "
                  + until
                  + " (extension "
                  + Mrkdwn.code(cause.details().getOrDefault("extension", "?"))
                  + ").");
      default -> Optional.empty();
    };
  }

  /**
   * Replies in a request's card thread; waits (asks to be tried again) while the card is not posted
   * yet.
   */
  private Optional<Duration> replyInThread(RequestId id, String text, int attempt) {
    Optional<CardRef> card = cards.card(id);
    if (card.isEmpty()) {
      log.info("no card for {} yet; its thread reply waits", id);
      return Optional.of(backoff(attempt));
    }
    return post(card.get().channelId(), Optional.of(card.get().ts()), text, attempt);
  }

  /** Posts a message; empty when done or failed for good, else when to try again. */
  private Optional<Duration> post(
      String channel, Optional<String> threadTs, String text, int attempt) {
    try {
      api.postMessage(channel, threadTs, text, List.of());
      return Optional.empty();
    } catch (SlackCallException e) {
      return retryOrGiveUp(e, "message to " + channel, attempt);
    }
  }

  /**
   * Slack's Retry-After when it gave one, else a backoff from 2 s doubling to 2 min; empty when
   * hopeless.
   */
  private static Optional<Duration> retryOrGiveUp(SlackCallException e, String what, int attempt) {
    if (!e.retryable()) {
      log.warn("{} not posted: {}", what, e.error());
      return Optional.empty();
    }
    Duration wait = e.retryAfter().orElse(backoff(attempt));
    log.info("{} not posted yet ({}); trying again in {} s", what, e.error(), wait.toSeconds());
    return Optional.of(wait);
  }

  static Duration backoff(int attempt) {
    return BACKOFF.after(Math.max(attempt, 1));
  }

  static Optional<String> directMessageText(AccessRequest r, AuditEvent cause) {
    String id = Mrkdwn.code(r.id().value());
    String by = RequestCard.actor(cause.actor());
    return switch (cause.action()) {
      case REQUEST_APPROVED ->
          Optional.of(
              r.kind() == RequestKind.EXTENSION
                  ? extensionApproved(r, by)
                  : ":white_check_mark: Your request "
                      + id
                      + " ("
                      + what(r)
                      + ") was approved by "
                      + by
                      + ". Access until "
                      + r.expiresAt().map(Mrkdwn::date).orElse("?")
                      + "."
                      + (r.credentials() == CredentialMode.TOKEN
                          ? " Get your kubeconfig with "
                              + Mrkdwn.code("/access kubeconfig " + r.id().value())
                              + " in the support channel."
                          : ""));
      case REQUEST_DENIED ->
          Optional.of(
              ":no_entry: Your request " + id + " (" + what(r) + ") was denied by " + by + ".");
      case GRANT_FAILED ->
          Optional.of(
              (r.kind() == RequestKind.EXTENSION
                      ? ":x: Your extension " + id + " (" + what(r) + ") could not be applied: "
                      : ":x: Your request " + id + " (" + what(r) + ") could not be granted: ")
                  + Mrkdwn.truncate(Mrkdwn.escape(r.failure().orElse("unknown error")), 1500));
      case REQUEST_EXPIRED ->
          Optional.of(":checkered_flag: Your access " + id + " (" + what(r) + ") has ended.");
      case REQUEST_REVOKED ->
          r.requester().is(cause.actor())
              ? Optional.empty()
              : Optional.of(
                  ":scissors: Your access " + id + " (" + what(r) + ") was revoked by " + by + ".");
      case REQUEST_TIMED_OUT ->
          Optional.of(
              ":zzz: Your request "
                  + id
                  + " ("
                  + what(r)
                  + ") timed out: nobody "
                  + "answered in time.");
      default -> Optional.empty();
    };
  }

  /**
   * An approved extension: the access it extends and its new end, and, where a kubeconfig is handed
   * out, that its token keeps the end it was minted with (so fetch a new one, by the original id).
   */
  private static String extensionApproved(AccessRequest r, String by) {
    String original = r.extendsRequest().orElseThrow().value();
    return ":white_check_mark: Your extension "
        + Mrkdwn.code(r.id().value())
        + " was approved by "
        + by
        + ": your access "
        + Mrkdwn.code(original)
        + " ("
        + what(r)
        + ") now ends "
        + r.expiresAt().map(Mrkdwn::date).orElse("later")
        + "."
        + (r.credentials() == CredentialMode.TOKEN
            ? " A kubeconfig you already have still stops at the old end (its token keeps the end"
                + " it was made with): get a new one with "
                + Mrkdwn.code("/access kubeconfig " + original)
                + " in the support channel."
            : "");
  }

  /**
   * A direct message to the requester; empty when done or failed for good, else when to try again.
   */
  private Optional<Duration> dm(AccessRequest r, String text, int attempt) {
    String user = r.requester().user().userId();
    try {
      String channel = dmChannels.getIfPresent(user);
      if (channel == null) {
        channel = api.openDirectMessage(user);
        dmChannels.put(user, channel);
      }
      api.postMessage(channel, Optional.empty(), text, List.of());
      return Optional.empty();
    } catch (SlackCallException e) {
      if (e.retryable()) {
        return retryOrGiveUp(e, "direct message to " + user, attempt);
      }
      // e.g. a Slack Connect guest the app may not message directly: tell them in the channel
      // instead.
      log.info("direct message to {} not sent ({}); answering in the channel", user, e.error());
      Optional<CardRef> card = cards.card(r.id());
      Optional<String> channel =
          card.map(CardRef::channelId).or(() -> customer(r).map(Customer::channelId));
      if (channel.isPresent()) {
        try {
          api.postEphemeral(channel.get(), user, card.map(CardRef::ts), text);
        } catch (SlackCallException again) {
          return again.retryable()
              ? retryOrGiveUp(again, "ephemeral notice to " + user, attempt)
              : Optional.empty();
        }
      }
      return Optional.empty();
    }
  }

  private Optional<Customer> customer(AccessRequest r) {
    return customers.find(r.cluster().customer());
  }

  private static String what(AccessRequest r) {
    return Mrkdwn.escape(r.role()) + " on " + Mrkdwn.escape(r.cluster().name());
  }
}
