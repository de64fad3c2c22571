package dev.latchkey.bot.config;

/**
 * A setting or configuration key is missing or wrong; the message names it and says what is
 * expected.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
