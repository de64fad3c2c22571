package dev.latchkey.bot.slack;

import dev.latchkey.core.RequestId;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a reply in a card's thread says about the request, read strictly, since an emergency
 * decision must be unambiguous: only a reply that is nothing but the decision word ({@code
 * approve}, {@code approved}, {@code deny}, {@code denied}, any case), optionally with the request
 * id before or after it ({@code approve ar-7k2q9xbd}), and with at most one closing {@code .} or
 * {@code !}, decides. A reply that merely starts with a decision word ({@code Approved? Who asked},
 * {@code approve?}, {@code Approved, but only after the freeze}, a quote {@code > approve}, {@code
 * "approve"}, a code span, bold) is {@link Reading.Unclear}: it decides nothing and its author is
 * told what to write. Everything else is conversation. Pure: the text Slack delivered in, a reading
 * out.
 */
final class DecisionReply {
  /** What a deciding reply decides. */
  enum Decision {
    APPROVE,
    DENY
  }

  /** How a reply reads. */
  sealed interface Reading {
    /** Nothing but a decision (and maybe the id of the request it is about): it decides. */
    record Decides(Decision decision, Optional<RequestId> named) implements Reading {}

    /** Starts like a decision but is more than one: decides nothing; its author gets a hint. */
    record Unclear() implements Reading {}

    /** Anything else in the thread. */
    record Conversation() implements Reading {}
  }

  static final Reading UNCLEAR = new Reading.Unclear();
  static final Reading CONVERSATION = new Reading.Conversation();

  /** A request id as written in a reply: the {@code ar-} prefix is required here. */
  private static final Pattern WRITTEN_ID = Pattern.compile("(?i)ar-[0-9a-z]{8}");

  /** Slack's user mentions ({@code <@U0123>}), skipped when deciding whether to hint. */
  private static final Pattern LEADING_MENTIONS =
      Pattern.compile("^(\\s*<@[A-Z0-9]+(\\|[^>]*)?>)+");

  private DecisionReply() {}

  /** Reads the text of a reply as Slack delivered it (mrkdwn, {@code >} as {@code &gt;}). */
  static Reading read(String text) {
    if (text == null) {
      return CONVERSATION;
    }
    String body = text.strip();
    if (body.endsWith(".") || body.endsWith("!")) {
      body = body.substring(0, body.length() - 1);
    }
    String[] words = body.isBlank() ? new String[0] : body.strip().split("\\s+");
    Optional<Decision> decision = Optional.empty();
    Optional<RequestId> named = Optional.empty();
    if (words.length == 1) {
      decision = word(words[0]);
    } else if (words.length == 2) {
      decision = word(words[0]);
      named = id(words[1]);
      if (decision.isEmpty()) {
        decision = word(words[1]);
        named = id(words[0]);
      }
      if (named.isEmpty()) {
        decision = Optional.empty();
      }
    }
    if (decision.isPresent()) {
      return new Reading.Decides(decision.get(), named);
    }
    return startsWithDecisionWord(text) ? UNCLEAR : CONVERSATION;
  }

  /** Whether the reply decides (for filtering a thread read back). */
  static boolean decides(String text) {
    return read(text) instanceof Reading.Decides;
  }

  private static Optional<Decision> word(String word) {
    return switch (word.toLowerCase(Locale.ROOT)) {
      case "approve", "approved" -> Optional.of(Decision.APPROVE);
      case "deny", "denied" -> Optional.of(Decision.DENY);
      default -> Optional.empty();
    };
  }

  private static Optional<RequestId> id(String word) {
    return WRITTEN_ID.matcher(word).matches() ? RequestId.parse(word) : Optional.empty();
  }

  /**
   * Whether the first word, behind quotes, formatting, punctuation and mentions (and a request id),
   * is a decision word: someone who wrote that most likely meant to decide.
   */
  private static boolean startsWithDecisionWord(String text) {
    String plain =
        LEADING_MENTIONS
            .matcher(text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&"))
            .replaceFirst("");
    String first = firstLetters(plain, 0);
    if (word(first).isPresent()) {
      return true;
    }
    // "ar-7k2q9xbd approve?": the id first, then the word.
    int start = plain.indexOf(first);
    int afterId = start + first.length();
    if (start >= 0
        && first.equalsIgnoreCase("ar")
        && plain.length() >= afterId + 9
        && id(plain.substring(start, afterId + 9)).isPresent()) {
      return word(firstLetters(plain, afterId + 9)).isPresent();
    }
    return false;
  }

  /** The first run of letters at or after {@code from}, or "" when there is none. */
  private static String firstLetters(String text, int from) {
    int start = from;
    while (start < text.length() && !Character.isLetter(text.charAt(start))) {
      start++;
    }
    int end = start;
    while (end < text.length() && Character.isLetter(text.charAt(end))) {
      end++;
    }
    return text.substring(start, end);
  }
}
