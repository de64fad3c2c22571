package dev.latchkey.core;

/**
 * How an approver decided: a card button, a written reply in the card's thread, or a slash command.
 */
public enum DecisionMethod {
  BUTTON,
  THREAD_REPLY,
  COMMAND;

  public String audit() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
