package dev.latchkey.bench;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.bolt.App;
import com.slack.api.bolt.AppConfig;
import com.slack.api.bolt.jakarta_servlet.SlackAppServlet;
import com.slack.api.util.http.SlackHttpClient;
import dev.latchkey.bot.http.HttpServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

/**
 * The floor of the acknowledgement benchmark: a bare Bolt app whose handlers only acknowledge,
 * served by Latchkey's own {@link HttpServer} (same Jetty, thread pool and connector), configured
 * for Slack as Latchkey is (the same Web API client settings, auth.test once). Run as its own
 * process with the same JVM options.
 *
 * <p>Environment: PORT, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL.
 */
public final class BareBoltServer {
  private BareBoltServer() {}

  public static void main(String[] args) throws Exception {
    SlackConfig slackConfig = new SlackConfig();
    slackConfig.setMethodsEndpointUrlPrefix(System.getenv("SLACK_API_URL"));
    slackConfig.setStatsEnabled(false);
    slackConfig.setPrettyResponseLoggingEnabled(false);
    slackConfig.setHttpClientReadTimeoutMillis(10_000);
    slackConfig.setHttpClientWriteTimeoutMillis(10_000);
    slackConfig.setHttpClientCallTimeoutMillis(15_000);
    Slack slack = Slack.getInstance(slackConfig, SlackHttpClient.buildSlackHttpClient(slackConfig));
    App app =
        new App(
            AppConfig.builder()
                .singleTeamBotToken(System.getenv("SLACK_BOT_TOKEN"))
                .signingSecret(System.getenv("SLACK_SIGNING_SECRET"))
                .slack(slack)
                .authTestCacheExpirationMillis(-1L)
                .build());
    app.command("/access", (req, ctx) -> ctx.ack());
    app.blockAction(Pattern.compile("latchkey\\..*"), (req, ctx) -> ctx.ack());
    app.start();
    HttpServer http =
        new HttpServer(Integer.parseInt(System.getenv("PORT")))
            .addServlet(HttpServer.SLACK_EVENTS_PATH, new SlackAppServlet(app))
            .addServlet("/readyz", new Ready());
    http.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    http.stop();
                  } catch (Exception e) {
                    // stopping anyway
                  }
                  stopped.countDown();
                }));
    stopped.await();
  }

  static final class Ready extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().write("ready\n");
    }
  }
}
