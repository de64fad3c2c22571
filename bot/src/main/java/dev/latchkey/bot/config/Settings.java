package dev.latchkey.bot.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Latchkey reads from the environment: the Slack secrets (only ever from here), the HTTP port,
 * where the configuration file is, and database credentials. Parsed once; every missing or
 * malformed variable is named.
 */
public record Settings(
    String slackBotToken,
    String slackSigningSecret,
    String slackApiUrl,
    int port,
    Path configPath,
    Optional<String> databaseUrl,
    Optional<String> databaseUser,
    Optional<String> databasePassword) {

  public static final String DEFAULT_SLACK_API_URL = "https://slack.com/api/";
  public static final int DEFAULT_PORT = 3000;

  public static Settings from(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    String token = value(env, "SLACK_BOT_TOKEN").orElse("");
    if (token.isEmpty()) {
      problems.add(
          "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from the Slack app's OAuth page)");
    } else if (!token.startsWith("xoxb-")) {
      problems.add("SLACK_BOT_TOKEN does not look like a bot token (it starts with xoxb-)");
    }
    String secret = value(env, "SLACK_SIGNING_SECRET").orElse("");
    if (secret.isEmpty()) {
      problems.add(
          "SLACK_SIGNING_SECRET is not set (the signing secret from the Slack app's Basic"
              + " Information page)");
    }
    String apiUrl = value(env, "SLACK_API_URL").orElse(DEFAULT_SLACK_API_URL);
    if (!apiUrl.matches("https?://[^\\s]+/api/")) {
      problems.add(
          "SLACK_API_URL must be an http(s) URL ending in /api/, e.g. "
              + DEFAULT_SLACK_API_URL
              + " (got "
              + apiUrl
              + ")");
    }
    int port = DEFAULT_PORT;
    Optional<String> portText = value(env, "PORT");
    if (portText.isPresent()) {
      try {
        port = Integer.parseInt(portText.get());
        if (port < 0 || port > 65535) {
          problems.add("PORT must be between 0 and 65535 (got " + portText.get() + ")");
        }
      } catch (NumberFormatException e) {
        problems.add("PORT must be a number (got " + portText.get() + ")");
      }
    }
    Path config = Path.of(value(env, "LATCHKEY_CONFIG").orElse("latchkey.yml"));
    if (!problems.isEmpty()) {
      throw new ConfigException(
          "Latchkey cannot start:\n  - "
              + String.join("\n  - ", problems)
              + "\nSee README.md, \"Configuration\".");
    }
    return new Settings(
        token,
        secret,
        apiUrl,
        port,
        config,
        value(env, "LATCHKEY_DB_URL"),
        value(env, "LATCHKEY_DB_USER"),
        value(env, "LATCHKEY_DB_PASSWORD"));
  }

  private static Optional<String> value(Map<String, String> env, String key) {
    return Optional.ofNullable(env.get(key)).map(String::strip).filter(v -> !v.isEmpty());
  }

  @Override
  public String toString() {
    return "Settings[slackApiUrl="
        + slackApiUrl
        + ", port="
        + port
        + ", configPath="
        + configPath
        + ", databaseUrl="
        + databaseUrl.orElse("(default)")
        + ", secrets redacted]";
  }
}
