package dev.latchkey.bot.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.gson.Gson;
import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.model.Message;
import com.slack.api.model.User;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.view.View;
import com.slack.api.util.http.SlackHttpClient;
import com.slack.api.util.json.GsonFactory;
import com.slack.api.webhook.WebhookResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * SlackCallException} saying whether a later retry may help. Every method needs a bot scope; see
 * {@code manifest.yml}.
 */
public class SlackApi {
  private static final Logger log = LoggerFactory.getLogger(SlackApi.class);

  /**
   * Tries per interactive call (429 waits do not count against them, up to {@link
   * #MAX_RATE_LIMIT_WAITS}).
   */
  public static final int ATTEMPTS = 3;

  /**
   * The longest an interactive call waits for rate limits in all; a longer Retry-After fails the
   * call.
   */
  public static final Duration MAX_INLINE_WAIT = Duration.ofSeconds(10);

  static final int MAX_RATE_LIMIT_WAITS = 3;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Set<String> TRANSIENT_ERRORS =
      Set.of(
          "ratelimited",
          "rate_limited",
          "internal_error",
          "fatal_error",
          "service_unavailable",
          "request_timeout",
          "team_added_to_org");

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
  private final Sleeper sleeper;
  private final Pacing pacing;
  private final FailureListener failures;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * Renders blocks for response_url answers; built once (building a Gson is costly), thread-safe.
   */
  private static final Gson BLOCKS = GsonFactory.createSnakeCase();

  public SlackApi(Slack slack, String botToken, Sleeper sleeper) {
    this(
        slack,
        new SharedGsonMethodsClient(slack.getHttpClient(), botToken),
        sleeper,
        Pacing.INTERACTIVE,
        (method, error) -> {});
  }

  private SlackApi(
      Slack slack,
      MethodsClient methods,
      Sleeper sleeper,
      Pacing pacing,
      FailureListener failures) {
    this.slack = slack;
    this.methods = methods;
    this.sleeper = sleeper;
    this.pacing = pacing;
    this.failures = failures;
  }

  /** The same client, telling {@code listener} about every failed attempt. */
  public SlackApi withFailureListener(FailureListener listener) {
    return new SlackApi(slack, methods, sleeper, pacing, listener);
  }

  /** The same client, retrying in place (for work someone waits on). */
  public SlackApi interactive() {
    return pacing == Pacing.INTERACTIVE
        ? this
        : new SlackApi(slack, methods, sleeper, Pacing.INTERACTIVE, failures);
  }

  /**
   * The same client, failing at once with Retry-After instead of sleeping (for work that
   * reschedules itself).
   */
  public SlackApi background() {
    return pacing == Pacing.BACKGROUND
        ? this
        : new SlackApi(slack, methods, sleeper, Pacing.BACKGROUND, failures);
  }

  Pacing pacing() {
    return pacing;
  }

  /** A client for the settings' Web API URL with bounded timeouts and no background statistics. */
  public static SlackApi create(SlackSettings settings) {
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

  /** The Slack message metadata type every card carries, with the request id in its payload. */
  static final String CARD_EVENT_TYPE = "latchkey_request";

  static final String CARD_REQUEST_ID = "request_id";
  private static final int MAX_HISTORY_PAGES = 10;

  /**
   * Posts a request's card and returns its ts. The card carries message metadata naming the
   * request, so that after a failure that leaves it unknown whether Slack posted it, {@link
   * #findCard} can find it instead of posting twice.
   */
  public String postCard(String channel, String requestId, String text, List<LayoutBlock> blocks)
      throws SlackCallException {
    Message.Metadata metadata =
        Message.Metadata.builder()
            .eventType(CARD_EVENT_TYPE)
            .eventPayload(Map.of(CARD_REQUEST_ID, requestId))
            .build();
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
        oldest.getEpochSecond()
            + "."
            + String.format(java.util.Locale.ROOT, "%06d", oldest.getNano() / 1000);
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
        if (OwnBot.posted(self, m.getBotId(), m.getUser())
            && m.getMetadata() != null
            && CARD_EVENT_TYPE.equals(m.getMetadata().getEventType())
            && m.getMetadata().getEventPayload() != null
            && requestId.equals(
                String.valueOf(m.getMetadata().getEventPayload().get(CARD_REQUEST_ID)))) {
          return Optional.ofNullable(m.getTs());
        }
      }
      cursor =
          response.getResponseMetadata() == null
              ? null
              : response.getResponseMetadata().getNextCursor();
      if (cursor == null || cursor.isBlank()) {
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
      cursor =
          response.getResponseMetadata() == null
              ? null
              : response.getResponseMetadata().getNextCursor();
      if (cursor == null || cursor.isBlank()) {
        break;
      }
    }
    return out;
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
    ObjectNode body = json.createObjectNode();
    body.put("response_type", inChannel ? "in_channel" : "ephemeral");
    body.put("replace_original", false);
    body.put("text", text);
    if (!blocks.isEmpty()) {
      try {
        ArrayNode array = (ArrayNode) json.readTree(BLOCKS.toJson(blocks));
        body.set("blocks", array);
      } catch (IOException e) {
        throw new SlackCallException(
            "response_url", "unrenderable blocks", false, Optional.empty());
      }
    }
    String payload = body.toString();
    SlackCallException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        WebhookResponse response = slack.send(responseUrl, payload);
        int code = response.getCode() == null ? 0 : response.getCode();
        if (code >= 200 && code < 300) {
          return;
        }
        last =
            new SlackCallException(
                "response_url", "http_" + code, code == 429 || code >= 500, Optional.empty());
        report(last);
        if (!last.retryable()) {
          throw last;
        }
      } catch (IOException e) {
        last =
            new SlackCallException(
                "response_url", "io: " + e.getClass().getSimpleName(), true, Optional.empty());
        report(last);
      }
      pause(backoff(attempt), "response_url");
    }
    throw last;
  }

  // ---------------------------------------------------------------- retries

  @FunctionalInterface
  interface ApiCall<T extends SlackApiTextResponse> {
    T run() throws IOException, SlackApiException;
  }

  <T extends SlackApiTextResponse> T call(String method, ApiCall<T> apiCall)
      throws SlackCallException {
    int failures = 0;
    int waits = 0;
    Duration waited = Duration.ZERO;
    while (true) {
      SlackCallException failure;
      try {
        T response = apiCall.run();
        if (response.isOk()) {
          return response;
        }
        String error = response.getError() == null ? "unknown_error" : response.getError();
        failure =
            new SlackCallException(
                method, error, TRANSIENT_ERRORS.contains(error), Optional.empty());
      } catch (SlackApiException e) {
        int code = e.getResponse() == null ? 0 : e.getResponse().code();
        Optional<Duration> retryAfter = code == 429 ? retryAfter(e) : Optional.empty();
        String error =
            e.getError() != null && e.getError().getError() != null
                ? e.getError().getError()
                : "http_" + code;
        failure =
            new SlackCallException(
                method, error, code == 429 || code >= 500 || code == 408, retryAfter);
      } catch (InterruptedIOException e) {
        failure = new SlackCallException(method, "timeout", true, Optional.empty());
      } catch (IOException e) {
        failure =
            new SlackCallException(
                method, "io: " + e.getClass().getSimpleName(), true, Optional.empty());
      } catch (RuntimeException e) {
        // e.g. an unparsable answer from a proxy in front of Slack
        failure =
            new SlackCallException(
                method, "bad_response: " + e.getClass().getSimpleName(), true, Optional.empty());
      }
      report(failure);
      if (!failure.retryable() || pacing == Pacing.BACKGROUND) {
        throw failure;
      }
      if (failure.retryAfter().isPresent()) {
        Duration wait = failure.retryAfter().get();
        waited = waited.plus(wait);
        if (waited.compareTo(MAX_INLINE_WAIT) > 0 || ++waits > MAX_RATE_LIMIT_WAITS) {
          throw failure;
        }
        log.info("Slack rate-limited {}; retrying after {} s", method, wait.toSeconds());
        pause(wait, method);
        continue;
      }
      if (++failures >= ATTEMPTS) {
        throw failure;
      }
      log.info(
          "Slack {} failed ({}); retry {} of {}", method, failure.error(), failures, ATTEMPTS - 1);
      pause(backoff(failures), method);
    }
  }

  /**
   * Tells the listener, with the error reduced to a bounded set of values (no exception class
   * names).
   */
  private void report(SlackCallException failure) {
    String error = failure.error();
    int colon = error.indexOf(':');
    try {
      failures.failed(failure.method(), colon < 0 ? error : error.substring(0, colon));
    } catch (RuntimeException e) {
      log.debug("failure listener failed: {}", e.toString());
    }
  }

  private static Optional<Duration> retryAfter(SlackApiException e) {
    String header = e.getResponse().header("Retry-After");
    long seconds = 1;
    if (header != null) {
      try {
        seconds = Math.max(0, Long.parseLong(header.strip()));
      } catch (NumberFormatException ignored) {
        seconds = 1;
      }
    }
    return Optional.of(Duration.ofSeconds(seconds));
  }

  private static Duration backoff(int failures) {
    return FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 4));
  }

  private void pause(Duration wait, String method) throws SlackCallException {
    try {
      sleeper.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SlackCallException(method, "interrupted", true, Optional.empty());
    }
  }
}
