package dev.latchkey.bot.config;

import java.util.List;

/**
 * One or more settings or configuration keys are missing or wrong; each problem names what it is
 * about and says what is expected.
 */
public final class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(String message) {
    super(message);
    this.problems = List.of(message);
  }

  /** Several problems found in one pass, each one line (or one line and its continuation). */
  public ConfigException(List<String> problems) {
    super(String.join("\n", problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a configuration exception lists at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
