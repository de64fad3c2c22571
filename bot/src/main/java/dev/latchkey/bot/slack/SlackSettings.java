package dev.latchkey.bot.slack;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * How Latchkey talks to Slack (read from the environment by {@code config.Settings}): the bot
 * token, the signing secret that authenticates Slack's requests over HTTP, the app-level token that
 * opens Socket Mode connections instead (then no signing secret is needed: the token authenticates
 * the connection), and the Web API base URL (Slack's by default; GovSlack users and tests point it
 * elsewhere). {@link #toString()} never shows a token or the secret.
 */
public record SlackSettings(
    String botToken, String signingSecret, String apiUrl, Optional<String> appToken) {
  public static final String DEFAULT_API_URL = "https://slack.com/api/";
  public static final String BOT_TOKEN_KEY = "SLACK_BOT_TOKEN";
  public static final String SIGNING_SECRET_KEY = "SLACK_SIGNING_SECRET";
  public static final String API_URL_KEY = "SLACK_API_URL";
  public static final String APP_TOKEN_KEY = "SLACK_APP_TOKEN";

  public SlackSettings {
    appToken = Objects.requireNonNull(appToken, "appToken").filter(t -> !t.isBlank());
    signingSecret = signingSecret == null ? "" : signingSecret;
    if (botToken == null || botToken.isBlank()) {
      throw new IllegalArgumentException(
          BOT_TOKEN_KEY + " is required (the app's bot token, xoxb-...)");
    }
    if (appToken.isPresent() && !appToken.get().startsWith("xapp-")) {
      throw new IllegalArgumentException(
          APP_TOKEN_KEY + " must be an app-level token (xapp-...) with connections:write");
    }
    if (signingSecret.isBlank() && appToken.isEmpty()) {
      throw new IllegalArgumentException(
          SIGNING_SECRET_KEY + " is required (Basic Information > Signing Secret)");
    }
    apiUrl = apiUrl == null || apiUrl.isBlank() ? DEFAULT_API_URL : apiUrl.strip();
    if (!apiUrl.endsWith("/api/")) {
      throw new IllegalArgumentException(
          API_URL_KEY + " must end with /api/, e.g. " + DEFAULT_API_URL);
    }
    URI uri;
    try {
      uri = URI.create(apiUrl);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(API_URL_KEY + " is not a URL: " + apiUrl);
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          API_URL_KEY + " must be an http(s) URL, e.g. " + DEFAULT_API_URL);
    }
  }

  public SlackSettings(String botToken, String signingSecret, String apiUrl) {
    this(botToken, signingSecret, apiUrl, Optional.empty());
  }

  public SlackSettings(String botToken, String signingSecret) {
    this(botToken, signingSecret, DEFAULT_API_URL);
  }

  /** Socket Mode: Slack is reached over connections Latchkey opens with the app-level token. */
  public boolean socketMode() {
    return appToken.isPresent();
  }

  @Override
  public String toString() {
    return "SlackSettings[botToken=(redacted), signingSecret=(redacted), apiUrl="
        + apiUrl
        + ", socketMode="
        + socketMode()
        + "]";
  }
}
