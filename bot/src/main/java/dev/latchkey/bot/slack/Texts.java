package dev.latchkey.bot.slack;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import java.util.stream.Collectors;

/**
 * The words Latchkey answers with. Anything typed by a person or echoed by the core is escaped
 * here.
 */
final class Texts {
  private Texts() {}

  static String help() {
    return "*Latchkey: customer-approved, time-bound access to Kubernetes*\n"
        + Command.ALL_USAGES.stream().map(u -> "• " + usage(u)).collect(Collectors.joining("\n"))
        + "\n"
        + "Durations are whole minutes, hours or days (30m, 2h, 1h30m, 1d). Requests are decided by"
        + " the customer's approvers on the card; access ends by itself.";
  }

  static String usage(String form) {
    return "`" + Mrkdwn.escape(form) + "`";
  }

  /**
   * A typing mistake in plain words (escaped) and the form to use: only what was typed wrong gets a
   * usage line; a refusal of something typed right says what to do instead ({@link #refused}).
   */
  static String problem(String plainProblem, String usageForm) {
    return ":warning: " + Mrkdwn.escape(plainProblem) + "\nUsage: " + usage(usageForm);
  }

  static String invalid(Command.Invalid invalid) {
    return problem(invalid.problem(), invalid.usage());
  }

  /** A refusal: what the rules said and what to do next, without a usage line. */
  static String refused(RefusalTexts.Situation situation, Refusal refusal) {
    return ":no_entry_sign: " + Mrkdwn.escape(RefusalTexts.text(situation, refusal));
  }

  static String notFound(String typedId) {
    return ":no_entry_sign: No request "
        + Mrkdwn.escape(typedId)
        + " in this channel. See /access list for open requests.";
  }

  static String alreadyDecided(AccessRequest r) {
    return ":information_source: "
        + Mrkdwn.code(r.id().value())
        + " is already "
        + StateWords.of(r)
        + "; nothing changed.";
  }

  /** A count and its noun, singular or plural: "1 request", "0 requests", "3 requests". */
  static String count(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  /**
   * For a reply in a card's thread that looked like a decision but was not one ({@link
   * DecisionReply}): exactly what to write instead.
   */
  static String writtenDecisionHint(RequestId id) {
    return ":information_source: Your reply decided nothing. To decide "
        + Mrkdwn.code(id.value())
        + " in writing, reply with nothing but `approve` or `deny` (a closing `.` or `!` and the"
        + " request id may go with it, e.g. `approve "
        + Mrkdwn.escape(id.value())
        + "`), or use the card's buttons.";
  }

  /** Where to use /access when it came from a DM or a channel of no customer. */
  static String wrongChannel(Customers customers) {
    if (customers.all().size() == 1) {
      Customer only = customers.all().iterator().next();
      return ":warning: Use `/access` in the support channel "
          + Mrkdwn.channel(only.channelId())
          + ": requests belong to the customer whose channel they come from.";
    }
    return ":warning: Use `/access` in your customer's shared support channel (where Latchkey posts"
        + " request cards): requests belong to the customer whose channel they come from.";
  }

  /**
   * Slack's directory (users.info) did not answer, so whose workspace the person belongs to is
   * unknown.
   */
  static String identityUnknown() {
    return ":warning: Your workspace could not be checked just now (Slack did not answer); nothing"
        + " changed. Try again in a minute.";
  }

  static String internalError() {
    return ":warning: Latchkey could not finish this just now (the error is logged). Check the"
        + " request with `/access list` before trying again.";
  }
}
