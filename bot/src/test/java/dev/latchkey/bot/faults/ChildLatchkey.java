package dev.latchkey.bot.faults;

import dev.latchkey.bot.Latchkey;
import dev.latchkey.bot.config.ConfigException;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Latchkey as {@code Main} runs it — settings from the environment, latchkey.yml, graceful stop on
 * SIGTERM — with one difference for fault tests run in a separate JVM: its clock runs {@code
 * LATCHKEY_TEST_CLOCK_OFFSET} (an ISO-8601 duration such as {@code PT9H}) ahead of real time, so a
 * restart can happen "after the expiry" without waiting for it. Slack request timestamps are still
 * checked against real time.
 */
public final class ChildLatchkey {
  static final String CLOCK_OFFSET_ENV = "LATCHKEY_TEST_CLOCK_OFFSET";

  private ChildLatchkey() {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    LatchkeyConfig config;
    try {
      settings = Settings.from(System.getenv());
      config = ConfigLoader.load(settings.configPath());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    String offset = System.getenv().getOrDefault(CLOCK_OFFSET_ENV, "PT0S");
    Clock clock = Clock.offset(Clock.systemUTC(), Duration.parse(offset));
    Latchkey latchkey = Latchkey.start(settings, config, clock);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  latchkey.close();
                  stopped.countDown();
                },
                "latchkey-shutdown"));
    stopped.await();
  }
}
