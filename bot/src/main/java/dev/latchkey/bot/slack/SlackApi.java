package dev.latchkey.bot.slack;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.model.Message;
import com.slack.api.model.ResponseMetadata;
import com.slack.api.model.User;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.view.View;
import com.slack.api.util.http.SlackHttpClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Slack Web API methods Latchkey uses, each with the same failure handling, paced for who
 * waits:
 *
 * <ul>
 *   <li>{@linkplain #interactive() interactive} calls (the work after a click, command or reply,
 *       where a person waits for an answer): a 429 waits for Retry-After while the waits of one
 *       call stay within {@link #MAX_INLINE_WAIT}; 5xx, timeouts and Slack's transient errors are
 *       retried with a short backoff, at most {@link #ATTEMPTS} times.
 *   <li>{@linkplain #background() background} calls (cards, thread notices, direct messages): one
 *       try, never a sleep; a failure comes back at once, with Slack's Retry-After, and the caller
 *       schedules the next try, so a rate limit never holds a thread.
 * </ul>
 *
 * <p>Every HTTP call is bounded by the client's timeouts. What still fails comes back as a {@link
 * SlackCallException} saying whether a later retry may help ({@link SlackCalls}). Every method
 * needs a bot scope; see {@code manifest.yml}.
 */
public class SlackApi {
  private static final Logger log = LoggerFactory.getLogger(SlackApi.class);

  /**
   * Tries per interactive call (429 waits do not count against them, up to {@link
   * SlackCalls#MAX_RATE_LIMIT_WAITS}).
   */
  public static final int ATTEMPTS = 3;

  /**
   * The longest an interactive call waits for rate limits in all; a longer Retry-After fails the
   * call.
   */
  public static final Duration MAX_INLINE_WAIT = Duration.ofSeconds(10);

  /** Waits between tries; replaced in tests that must not wait. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  /**
   * Hears about every failed attempt of a Web API call (for metrics); must be quick and never
   * throw.
   */
  @FunctionalInterface
  public interface FailureListener {
    /**
     * @param method the Web API method, e.g. {@code chat.update}, or {@code response_url}
     * @param error Slack's error code, {@code http_<status>}, {@code timeout}, {@code io} or {@code
     *     bad_response}
     */
    void failed(String method, String error);
  }

  /**
   * How a call handles failures: retry in place (someone waits for the answer) or hand them back at
   * once.
   */
  enum Pacing {
    INTERACTIVE,
    BACKGROUND
  }

  private final Slack slack;
  private final MethodsClient methods;
  private final SlackCalls calls;

  public SlackApi(Slack slack, String botToken, Sleeper sleeper) {
    this(
        slack,
        new SharedGsonMethodsClient(slack.getHttpClient(), botToken),
        new SlackCalls(sleeper, Pacing.INTERACTIVE, (method, error) -> {}));
  }

  private SlackApi(Slack slack, MethodsClient methods, SlackCalls calls) {
    this.slack = slack;
    this.methods = methods;
    this.calls = calls;
  }

  /** The same client, telling {@code listener} about every failed attempt. */
  public SlackApi withFailureListener(FailureListener listener) {
    return new SlackApi(slack, methods, calls.withFailureListener(listener));
  }

  /** The same client, retrying in place (for work someone waits on). */
  public SlackApi interactive() {
    return pacing() == Pacing.INTERACTIVE
        ? this
        : new SlackApi(slack, methods, calls.withPacing(Pacing.INTERACTIVE));
  }

  /**
   * The same client, failing at once with Retry-After instead of sleeping (for work that
   * reschedules itself).
   */
  public SlackApi background() {
    return pacing() == Pacing.BACKGROUND
        ? this
        : new SlackApi(slack, methods, calls.withPacing(Pacing.BACKGROUND));
  }

  Pacing pacing() {
    return calls.pacing();
  }

  /** A client for the settings' Web API URL with bounded timeouts and no background statistics. */
  public static SlackApi create(SlackSettings settings) {
    // A real sleep is the right tool here: an interactive call waits in place for its retry, and
    // its waits are bounded (ATTEMPTS tries, MAX_INLINE_WAIT in all); background calls never sleep.
    return new SlackApi(slackFor(settings), settings.botToken(), d -> Thread.sleep(d.toMillis()));
  }

  public static Slack slackFor(SlackSettings settings) {
    SlackConfig config = new SlackConfig();
    config.setMethodsEndpointUrlPrefix(settings.apiUrl());
    config.setStatsEnabled(false);
    config.setPrettyResponseLoggingEnabled(false);
    config.setHttpClientReadTimeoutMillis(10_000);
    config.setHttpClientWriteTimeoutMillis(10_000);
    config.setHttpClientCallTimeoutMillis(15_000);
    return Slack.getInstance(config, SlackHttpClient.buildSlackHttpClient(config));
  }

  public Slack slack() {
    return slack;
  }

  /** The Web API client every method here goes through. */
  MethodsClient methods() {
    return methods;
  }

  // ---------------------------------------------------------------- messages

  /** Posts a message (a thread reply when {@code threadTs} is given) and returns its ts. */
  public String postMessage(
      String channel, Optional<String> threadTs, String text, List<LayoutBlock> blocks)
      throws SlackCallException {
    return postMessage(channel, threadTs, text, blocks, false);
  }

  /** A thread reply that is also shown in the channel ("Also send to channel"). */
  public String broadcastReply(String channel, String threadTs, String text)
      throws SlackCallException {
    return postMessage(channel, Optional.of(threadTs), text, List.of(), true);
  }

  private String postMessage(
      String channel,
      Optional<String> threadTs,
      String text,
      List<LayoutBlock> blocks,
      boolean broadcast)
      throws SlackCallException {
    return call(
            "chat.postMessage",
            () ->
                methods.chatPostMessage(
                    r -> {
                      r.channel(channel)
                          .text(text)
                          .unfurlLinks(false)
                          .unfurlMedia(false)
                          .linkNames(false);
                      if (!blocks.isEmpty()) {
                        r.blocks(blocks);
                      }
                      threadTs.ifPresent(r::threadTs);
                      if (broadcast) {
                        r.replyBroadcast(true);
                      }
                      return r;
                    }))
        .getTs();
  }

  private static final int MAX_HISTORY_PAGES = 10;

  /**
   * Posts a request's card and returns its ts. The card carries message metadata naming the
   * request, so that after a failure that leaves it unknown whether Slack posted it, {@link
   * #findCard} can find it instead of posting twice.
   */
  public String postCard(String channel, String requestId, String text, List<LayoutBlock> blocks)
      throws SlackCallException {
    Message.Metadata metadata = CardMetadata.of(requestId);
    return call(
            "chat.postMessage",
            () ->
                methods.chatPostMessage(
                    r ->
                        r.channel(channel)
                            .text(text)
                            .blocks(blocks)
                            .metadata(metadata)
                            .unfurlLinks(false)
                            .unfurlMedia(false)
                            .linkNames(false)))
        .getTs();
  }

  /**
   * The ts of the card Latchkey's own bot ({@code self}) posted for {@code requestId} in {@code
   * channel} no earlier than {@code oldest}, found by its metadata among the channel's messages
   * (conversations.history, newest first, at most 2,000 messages). Messages of other apps and
   * people are passed over whatever their metadata says.
   */
  Optional<String> findCard(String channel, String requestId, Instant oldest, OwnBot.Identity self)
      throws SlackCallException {
    String since =
        oldest.getEpochSecond() + "." + String.format(Locale.ROOT, "%06d", oldest.getNano() / 1000);
    String cursor = null;
    for (int page = 0; page < MAX_HISTORY_PAGES; page++) {
      String current = cursor;
      var response =
          call(
              "conversations.history",
              () ->
                  methods.conversationsHistory(
                      r -> {
                        r.channel(channel)
                            .oldest(since)
                            .inclusive(true)
                            .includeAllMetadata(true)
                            .limit(200);
                        if (current != null) {
                          r.cursor(current);
                        }
                        return r;
                      }));
      for (Message m :
          response.getMessages() == null ? List.<Message>of() : response.getMessages()) {
        if (CardMetadata.isCardOf(m, requestId, self)) {
          return Optional.ofNullable(m.getTs());
        }
      }
      cursor = nextCursor(response.getResponseMetadata());
      if (cursor == null) {
        return Optional.empty();
      }
    }
    log.warn(
        "card of {} not found in the latest {} pages of {}", requestId, MAX_HISTORY_PAGES, channel);
    return Optional.empty();
  }

  public void update(String channel, String ts, String text, List<LayoutBlock> blocks)
      throws SlackCallException {
    call(
        "chat.update",
        () ->
            methods.chatUpdate(
                r -> r.channel(channel).ts(ts).text(text).blocks(blocks).linkNames(false)));
  }

  public void postEphemeral(String channel, String user, Optional<String> threadTs, String text)
      throws SlackCallException {
    call(
        "chat.postEphemeral",
        () ->
            methods.chatPostEphemeral(
                r -> {
                  r.channel(channel).user(user).text(text).linkNames(false);
                  threadTs.ifPresent(r::threadTs);
                  return r;
                }));
  }

  /** The id of the app's direct-message conversation with a user. */
  public String openDirectMessage(String user) throws SlackCallException {
    return call("conversations.open", () -> methods.conversationsOpen(r -> r.users(List.of(user))))
        .getChannel()
        .getId();
  }

  public Optional<String> permalink(String channel, String ts) throws SlackCallException {
    return Optional.ofNullable(
        call(
                "chat.getPermalink",
                () -> methods.chatGetPermalink(r -> r.channel(channel).messageTs(ts)))
            .getPermalink());
  }

  /** Every message of a thread, parent first, following pagination. */
  public List<Message> replies(String channel, String threadTs) throws SlackCallException {
    List<Message> out = new ArrayList<>();
    String cursor = null;
    for (int page = 0; page < 50; page++) {
      String current = cursor;
      var response =
          call(
              "conversations.replies",
              () ->
                  methods.conversationsReplies(
                      r -> {
                        r.channel(channel).ts(threadTs).limit(200);
                        if (current != null) {
                          r.cursor(current);
                        }
                        return r;
                      }));
      if (response.getMessages() != null) {
        out.addAll(response.getMessages());
      }
      cursor = nextCursor(response.getResponseMetadata());
      if (cursor == null) {
        break;
      }
    }
    return out;
  }

  /** The cursor of a listing's next page; null after the last. */
  private static String nextCursor(ResponseMetadata page) {
    String next = page == null ? null : page.getNextCursor();
    return next == null || next.isBlank() ? null : next;
  }

  /** Latchkey's own bot id and bot user id (auth.test), or empty when Slack names none. */
  Optional<OwnBot.Identity> ownBot() throws SlackCallException {
    var answer = call("auth.test", () -> methods.authTest(r -> r));
    if (answer.getBotId() == null
        || answer.getBotId().isBlank()
        || answer.getUserId() == null
        || answer.getUserId().isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new OwnBot.Identity(answer.getBotId(), answer.getUserId()));
  }

  // ---------------------------------------------------------------- people

  public User userInfo(String user) throws SlackCallException {
    return call("users.info", () -> methods.usersInfo(r -> r.user(user))).getUser();
  }

  public Set<String> userGroupMembers(String userGroupId) throws SlackCallException {
    List<String> users =
        call(
                "usergroups.users.list",
                () -> methods.usergroupsUsersList(r -> r.usergroup(userGroupId)))
            .getUsers();
    return users == null ? Set.of() : new HashSet<>(users);
  }

  // ---------------------------------------------------------------- interactivity

  public void openView(String triggerId, View view) throws SlackCallException {
    call("views.open", () -> methods.viewsOpen(r -> r.triggerId(triggerId).view(view)));
  }

  /**
   * Answers through an interaction's {@code response_url} (ephemeral unless {@code inChannel}). The
   * text is never logged: it may hold a kubeconfig.
   */
  public void respond(String responseUrl, String text, List<LayoutBlock> blocks, boolean inChannel)
      throws SlackCallException {
    ResponseUrl.respond(slack, calls, responseUrl, text, blocks, inChannel);
  }

  // ---------------------------------------------------------------- retries

  @FunctionalInterface
  interface ApiCall<T extends SlackApiTextResponse> {
    T run() throws IOException, SlackApiException;
  }

  <T extends SlackApiTextResponse> T call(String method, ApiCall<T> apiCall)
      throws SlackCallException {
    return calls.call(method, apiCall);
  }
}
