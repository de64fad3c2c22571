package dev.latchkey.bot.ops;

import dev.latchkey.bot.config.ConfigException;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.storage.AuditVerification;
import dev.latchkey.storage.AuditVerifier;
import dev.latchkey.storage.StoreException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ./latchkey verify-audit}: walks the audit chain of the configured database without
 * changing it, prints the chain head (to be written down outside the database) and whether the
 * chain is intact. Exit status 0 intact, 1 broken, 2 when it cannot be checked (configuration,
 * database unreachable).
 */
public final class VerifyAuditCommand {
  public static final int INTACT = 0;
  public static final int BROKEN = 1;
  public static final int CANNOT_CHECK = 2;

  private VerifyAuditCommand() {}

  /**
   * The database as {@code run} finds it: {@code LATCHKEY_DB_URL}, else {@code database.url} of the
   * configuration file ({@code LATCHKEY_CONFIG}, default {@code latchkey.yml}); credentials from
   * {@code LATCHKEY_DB_USER} and {@code LATCHKEY_DB_PASSWORD}.
   */
  public static int run(Map<String, String> env, PrintStream out, PrintStream err) {
    String url;
    try {
      url =
          value(env, "LATCHKEY_DB_URL")
              .orElseGet(
                  () ->
                      ConfigLoader.load(
                              Path.of(value(env, "LATCHKEY_CONFIG").orElse("latchkey.yml")))
                          .databaseUrl());
    } catch (ConfigException e) {
      err.println("verify-audit: " + e.getMessage());
      return CANNOT_CHECK;
    }
    AuditVerification verification;
    try {
      verification =
          AuditVerifier.verify(
              url,
              value(env, "LATCHKEY_DB_USER").orElse(""),
              value(env, "LATCHKEY_DB_PASSWORD").orElse(""));
    } catch (StoreException e) {
      // A person reads this: the message says what could not be opened and why; a stack trace would
      // hide it.
      err.println("verify-audit: " + e.getMessage());
      return CANNOT_CHECK;
    }
    out.println(
        "audit chain head: event "
            + verification.head().sequence()
            + ", hash "
            + verification.head().hash());
    return switch (verification.check()) {
      case ChainCheck.Intact intact -> {
        out.println("audit chain intact: " + intact.events() + " events");
        yield INTACT;
      }
      case ChainCheck.Broken broken -> {
        out.println("audit chain BROKEN at event " + broken.sequence() + ": " + broken.problem());
        yield BROKEN;
      }
    };
  }

  private static Optional<String> value(Map<String, String> env, String key) {
    return Optional.ofNullable(env.get(key)).map(String::strip).filter(v -> !v.isEmpty());
  }
}
