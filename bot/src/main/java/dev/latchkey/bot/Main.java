package dev.latchkey.bot;

import dev.latchkey.bot.config.ConfigException;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.bot.config.Settings;
import dev.latchkey.bot.ops.VerifyAuditCommand;
import java.time.Clock;
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
    Settings settings;
    LatchkeyConfig config;
    try {
      settings = Settings.from(System.getenv());
      config = ConfigLoader.load(settings.configPath());
    } catch (ConfigException e) {
      // A person reads this: the message names what to fix; a stack trace would only hide it.
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Latchkey latchkey;
    try {
      latchkey = Latchkey.start(settings, config, Clock.systemUTC());
    } catch (ConfigException e) {
      System.err.println("Latchkey cannot start: " + e.getMessage());
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
