package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.testing.Fixtures;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Every log line about a request carries its id (request_id), also when work about one request
 * nests another.
 */
class LogContextTest {
  private static final Pattern REQUEST_ID = Pattern.compile("ar-[0-9a-z]{8}");

  @Test
  void nestedContextsRestoreTheOuterRequest() {
    try (var outer = LogContext.request(new RequestId("ar-0000000a"))) {
      try (var inner = LogContext.request(new RequestId("ar-0000000b"))) {
        assertThat(MDC.get(LogContext.REQUEST_ID)).isEqualTo("ar-0000000b");
      }
      assertThat(MDC.get(LogContext.REQUEST_ID)).isEqualTo("ar-0000000a");
    }
    assertThat(MDC.get(LogContext.REQUEST_ID)).isNull();
  }

  @Test
  void noticesAndReplaysLogWithTheirRequestsId() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    RequestId id;
    try (SlackHarness slack = new SlackHarness().enableProd()) {
      AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h logs");
      id = r.id();
      String threadTs = slack.cards.find(r.id()).orElseThrow().ts();
      // The thread cannot be written to, nor read; the approver's reply is replayed while Slack is
      // unsure of them.
      slack.wm.stubFor(
          post("/api/chat.postMessage")
              .withFormParam("thread_ts", equalTo(threadTs))
              .willReturn(okJson("{\"ok\":false,\"error\":\"not_in_channel\"}")));
      slack.wm.stubFor(
          post("/api/conversations.replies")
              .willReturn(
                  okJson(
                      "{\"ok\":true,\"messages\":[{\"type\":\"message\",\"user\":\"U0APPROVER2\",\"text\":\"deny\","
                          + "\"ts\":\"1772442100.000001\"}]}")));
      slack.wm.stubFor(
          post("/api/users.info")
              .withFormParam("user", equalTo("U0APPROVER2"))
              .willReturn(aResponse().withStatus(503)));

      slack.surface.threadReplay().replayPendingThreads();
      slack.wm.stubFor(
          post("/api/conversations.replies")
              .willReturn(okJson("{\"ok\":false,\"error\":\"thread_not_found\"}")));
      slack.surface.threadReplay().replayPendingThreads();
      slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
      await()
          .untilAsserted(
              () ->
                  assertThat(seen(captured))
                      .anySatisfy(
                          e ->
                              assertThat(e.getFormattedMessage())
                                  .contains("not posted: not_in_channel")));
    } finally {
      root.detachAppender(captured);
    }

    // Every line of the notifier is about one request, whether or not its text names it.
    assertThat(seen(captured))
        .filteredOn(e -> e.getLoggerName().equals(SlackNotifier.class.getName()))
        .isNotEmpty()
        .allSatisfy(
            e ->
                assertThat(e.getMDCPropertyMap())
                    .as(e.getFormattedMessage())
                    .containsEntry(LogContext.REQUEST_ID, id.value()));
    // Lines elsewhere that name a request carry that request's id.
    List<ILoggingEvent> naming =
        seen(captured).stream()
            .filter(e -> e.getLoggerName().startsWith("dev.latchkey.bot.slack."))
            .filter(e -> REQUEST_ID.matcher(e.getFormattedMessage()).find())
            .toList();
    assertThat(naming)
        .extracting(ILoggingEvent::getLoggerName)
        .contains(WrittenDecisions.class.getName(), ThreadReplay.class.getName());
    assertThat(naming)
        .allSatisfy(
            e -> {
              Matcher named = REQUEST_ID.matcher(e.getFormattedMessage());
              assertThat(named.find()).isTrue();
              assertThat(e.getMDCPropertyMap())
                  .as(e.getFormattedMessage())
                  .containsEntry(LogContext.REQUEST_ID, named.group());
            });
  }

  /**
   * What the appender holds so far, copied under its lock: it appends from Latchkey's threads while
   * the test reads (AppenderBase appends holding the appender's monitor).
   */
  private static List<ILoggingEvent> seen(ListAppender<ILoggingEvent> captured) {
    synchronized (captured) {
      return List.copyOf(captured.list);
    }
  }
}
