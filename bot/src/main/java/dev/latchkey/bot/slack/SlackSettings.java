package dev.latchkey.bot.slack;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How Latchkey talks to Slack: the bot token, the signing secret that authenticates Slack's requests, and the Web
 * API base URL (Slack's by default; GovSlack users and tests point it elsewhere). {@link #toString()} never shows
 * the token or the secret.
 */
public record SlackSettings(String botToken, String signingSecret, String apiUrl) {
  public static final String DEFAULT_API_URL = "https://slack.com/api/";
  public static final String BOT_TOKEN_KEY = "SLACK_BOT_TOKEN";
  public static final String SIGNING_SECRET_KEY = "SLACK_SIGNING_SECRET";
  public static final String API_URL_KEY = "SLACK_API_URL";

  public SlackSettings {
    if (botToken == null || botToken.isBlank()) {
      throw new IllegalArgumentException(BOT_TOKEN_KEY + " is required (the app's bot token, xoxb-...)");
    }
    if (signingSecret == null || signingSecret.isBlank()) {
      throw new IllegalArgumentException(SIGNING_SECRET_KEY + " is required (Basic Information > Signing Secret)");
    }
    apiUrl = apiUrl == null || apiUrl.isBlank() ? DEFAULT_API_URL : apiUrl.strip();
    if (!apiUrl.endsWith("/api/")) {
      throw new IllegalArgumentException(API_URL_KEY + " must end with /api/, e.g. " + DEFAULT_API_URL);
    }
    URI uri;
    try {
      uri = URI.create(apiUrl);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(API_URL_KEY + " is not a URL: " + apiUrl);
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException(API_URL_KEY + " must be an http(s) URL, e.g. " + DEFAULT_API_URL);
    }
  }

  public SlackSettings(String botToken, String signingSecret) {
    this(botToken, signingSecret, DEFAULT_API_URL);
  }

  /**
   * Reads {@code SLACK_BOT_TOKEN}, {@code SLACK_SIGNING_SECRET} and the optional {@code SLACK_API_URL}; the error
   * names every key that is missing.
   */
  public static SlackSettings from(Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    List<String> missing = new ArrayList<>();
    if (isBlank(env.get(BOT_TOKEN_KEY))) {
      missing.add(BOT_TOKEN_KEY);
    }
    if (isBlank(env.get(SIGNING_SECRET_KEY))) {
      missing.add(SIGNING_SECRET_KEY);
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("missing Slack settings: " + String.join(", ", missing));
    }
    return new SlackSettings(env.get(BOT_TOKEN_KEY), env.get(SIGNING_SECRET_KEY), env.get(API_URL_KEY));
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  @Override
  public String toString() {
    return "SlackSettings[botToken=(redacted), signingSecret=(redacted), apiUrl=" + apiUrl + "]";
  }
}
