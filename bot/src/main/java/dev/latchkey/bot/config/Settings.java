package dev.latchkey.bot.config;

import dev.latchkey.gateway.GatewaySettings;
import dev.latchkey.storage.Database;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Latchkey reads from the environment: the Slack secrets (only ever from here), how Slack
 * reaches Latchkey (HTTP on {@code PORT}, or Socket Mode with an app-level token), the management
 * port, where the configuration file is, database credentials, and the session gateway's settings
 * ({@link GatewayEnvironment}). Parsed once; every missing or malformed variable is named.
 */
public record Settings(
    String slackBotToken,
    String slackSigningSecret,
    Optional<String> slackAppToken,
    String slackApiUrl,
    int port,
    String managementAddress,
    int managementPort,
    Path configPath,
    Optional<String> databaseUrl,
    Optional<String> databaseUser,
    Optional<String> databasePassword,
    Duration leaderLease,
    Optional<GatewaySettings> gateway) {

  public static final String DEFAULT_SLACK_API_URL = "https://slack.com/api/";
  public static final int DEFAULT_PORT = 3000;
  public static final int DEFAULT_MANAGEMENT_PORT = 9090;
  public static final String DEFAULT_MANAGEMENT_ADDRESS = "127.0.0.1";
  static final String LEADER_LEASE = "LATCHKEY_LEADER_LEASE_SECONDS";

  /** Socket Mode: Latchkey connects out to Slack and serves no Slack endpoint of its own. */
  public boolean socketMode() {
    return slackAppToken.isPresent();
  }

  /** The settings, or a {@link ConfigException} listing every problem (see {@link #problems}). */
  public static Settings from(Map<String, String> env) {
    List<String> problems = new ArrayList<>(problems(env));
    problems.addAll(GatewayEnvironment.problems(env, false));
    if (!problems.isEmpty()) {
      throw new ConfigException(
          "Latchkey cannot start:\n  - "
              + String.join("\n  - ", problems)
              + "\nSee README.md, \"Configuration\".");
    }
    return new Settings(
        value(env, "SLACK_BOT_TOKEN").orElseThrow(),
        value(env, "SLACK_SIGNING_SECRET").orElse(""),
        value(env, "SLACK_APP_TOKEN"),
        value(env, "SLACK_API_URL").orElse(DEFAULT_SLACK_API_URL),
        port(env, "PORT", DEFAULT_PORT, new ArrayList<>()),
        value(env, "MANAGEMENT_ADDRESS").orElse(DEFAULT_MANAGEMENT_ADDRESS),
        port(env, "MANAGEMENT_PORT", DEFAULT_MANAGEMENT_PORT, new ArrayList<>()),
        configPath(env),
        value(env, "LATCHKEY_DB_URL"),
        value(env, "LATCHKEY_DB_USER"),
        value(env, "LATCHKEY_DB_PASSWORD"),
        leaderLease(env, new ArrayList<>()),
        GatewayEnvironment.from(env));
  }

  /** Every problem of the environment, each with its fix; empty when Latchkey can start. */
  public static List<String> problems(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    String token = value(env, "SLACK_BOT_TOKEN").orElse("");
    if (token.isEmpty()) {
      problems.add(
          "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from the Slack app's OAuth page)");
    } else if (!token.startsWith("xoxb-")) {
      problems.add("SLACK_BOT_TOKEN does not look like a bot token (it starts with xoxb-)");
    } else if (token.equals("xoxb-REPLACE-ME")) {
      problems.add(
          "SLACK_BOT_TOKEN is the placeholder of deploy/secret.example.yaml: put the app's bot"
              + " token (OAuth & Permissions) in the Secret");
    }
    Optional<String> appToken = value(env, "SLACK_APP_TOKEN");
    if (appToken.isPresent() && !appToken.get().startsWith("xapp-")) {
      problems.add(
          "SLACK_APP_TOKEN does not look like an app-level token (it starts with xapp-; Basic"
              + " Information > App-Level Tokens, scope connections:write)");
    }
    String secret = value(env, "SLACK_SIGNING_SECRET").orElse("");
    if (secret.isEmpty() && appToken.isEmpty()) {
      problems.add(
          "SLACK_SIGNING_SECRET is not set (the signing secret from the Slack app's Basic"
              + " Information page; or set SLACK_APP_TOKEN to use Socket Mode, which needs none)");
    } else if (secret.equals("REPLACE-ME")) {
      problems.add(
          "SLACK_SIGNING_SECRET is the placeholder of deploy/secret.example.yaml: put the app's"
              + " signing secret (Basic Information) in the Secret");
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
    leaderLease(env, problems);
    int port = port(env, "PORT", DEFAULT_PORT, problems);
    int management = port(env, "MANAGEMENT_PORT", DEFAULT_MANAGEMENT_PORT, problems);
    if (port != 0 && port == management && appToken.isEmpty()) {
      problems.add(
          "PORT and MANAGEMENT_PORT are both "
              + port
              + ": health and metrics need a port of their own, apart from Slack's");
    }
    Optional<String> address = value(env, "MANAGEMENT_ADDRESS");
    if (address.isPresent() && !isLiteralAddress(address.get())) {
      problems.add(
          "MANAGEMENT_ADDRESS must be an IP address to listen on, e.g. 127.0.0.1 (this host"
              + " only) or 0.0.0.0 (every interface; in a pod, for the kubelet's probes) (got "
              + address.get()
              + ")");
    }
    return problems;
  }

  /** With PostgreSQL, how long a silent leader keeps leading (whole seconds, 1 to 300). */
  private static Duration leaderLease(Map<String, String> env, List<String> out) {
    return Duration.ofSeconds(
        WholeNumbers.within(
            env,
            LEADER_LEASE,
            1,
            300,
            (int) Database.DEFAULT_LEADERSHIP_LEASE.toSeconds(),
            "a whole number of seconds",
            out));
  }

  private static int port(Map<String, String> env, String key, int fallback, List<String> out) {
    Optional<String> text = value(env, key);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(text.get());
      if (port >= 0 && port <= 65535) {
        return port;
      }
      out.add(key + " must be between 0 and 65535 (got " + text.get() + ")");
    } catch (NumberFormatException e) {
      out.add(key + " must be a number (got " + text.get() + ")");
    }
    return fallback;
  }

  private static boolean isLiteralAddress(String text) {
    if (!text.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
      return false; // a host name would be looked up; only literals are accepted
    }
    try {
      InetAddress.getByName(text);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Path configPath(Map<String, String> env) {
    return Path.of(value(env, "LATCHKEY_CONFIG").orElse("latchkey.yml"));
  }

  /** Where the configuration file is, even when other settings are wrong. */
  public static Path configPathOf(Map<String, String> env) {
    return configPath(env);
  }

  private static Optional<String> value(Map<String, String> env, String key) {
    return Optional.ofNullable(env.get(key)).map(String::strip).filter(v -> !v.isEmpty());
  }

  @Override
  public String toString() {
    return "Settings[slackApiUrl="
        + slackApiUrl
        + ", socketMode="
        + socketMode()
        + ", port="
        + port
        + ", management="
        + managementAddress
        + ":"
        + managementPort
        + ", configPath="
        + configPath
        + ", databaseUrl="
        + databaseUrl.orElse("(default)")
        + ", gateway="
        + gateway.map(g -> g.publicUrl().toString()).orElse("(none)")
        + ", secrets redacted]";
  }
}
