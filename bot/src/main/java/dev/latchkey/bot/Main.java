package dev.latchkey.bot;

import dev.latchkey.bot.config.ConfigException;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.GatewayEnvironment;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.bot.ops.VerifyAuditCommand;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Latchkey from the environment and latchkey.yml; stops it gracefully on SIGTERM. With the
 * argument {@code verify-audit} it checks the audit chain instead and exits (see {@link
 * VerifyAuditCommand}).
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  /** What start-up found before starting anything: every problem, or the configuration. */
  record Check(List<String> problems, Optional<LatchkeyConfig> config) {}

  /**
   * Every problem of the environment and of the configuration file at once, each with its fix: one
   * run, one list, rather than one problem per attempt.
   */
  static Check check(Map<String, String> env) {
    List<String> problems = new ArrayList<>(Settings.problems(env));
    Optional<LatchkeyConfig> config = Optional.empty();
    try {
      config = Optional.of(ConfigLoader.load(Settings.configPathOf(env)));
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    problems.addAll(
        GatewayEnvironment.problems(env, config.map(LatchkeyConfig::usesGateway).orElse(false)));
    return new Check(List.copyOf(problems), problems.isEmpty() ? config : Optional.empty());
  }

  /** What a person reads when Latchkey stops before starting: every problem, then where to look. */
  static String cannotStart(List<String> problems) {
    return "Latchkey cannot start:\n  - "
        + String.join("\n  - ", problems)
        + "\nSee README.md, \"Configuration\" and \"Troubleshooting\".";
  }

  public static void main(String[] args) {
    if (args.length > 0) {
      if (args.length == 1 && args[0].equals("verify-audit")) {
        System.exit(VerifyAuditCommand.run(System.getenv(), System.out, System.err));
        return;
      }
      System.err.println("usage: latchkey [verify-audit]   (no argument: run Latchkey)");
      System.exit(2);
      return;
    }
    Map<String, String> env = System.getenv();
    Check check = check(env);
    if (!check.problems().isEmpty()) {
      System.err.println(cannotStart(check.problems()));
      System.exit(2);
      return;
    }
    LatchkeyConfig config = check.config().orElseThrow();
    Settings settings = Settings.from(env);
    Latchkey latchkey;
    try {
      latchkey = Latchkey.start(settings, config, Clock.systemUTC());
    } catch (ConfigException e) {
      System.err.println(cannotStart(e.problems()));
      System.exit(2);
      return;
    } catch (Exception e) {
      log.error("Latchkey could not start", e);
      System.err.println("Latchkey could not start: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  latchkey.close();
                  stopped.countDown();
                },
                "latchkey-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
