package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How a reply in a card's thread reads: the whole table of forms. */
class DecisionReplyTest {

  static Stream<Arguments> replies() {
    return Stream.of(
        // Nothing but the word, any case, at most one closing . or !
        row("approve", "APPROVE"),
        row("approved", "APPROVE"),
        row("APPROVE", "APPROVE"),
        row("Approved.", "APPROVE"),
        row("approve!", "APPROVE"),
        row("  Approved!\n", "APPROVE"),
        row("deny", "DENY"),
        row("Denied.", "DENY"),
        row("DENY!", "DENY"),
        // With the request id, before or after, any case, Crockford look-alikes read as typed ids
        row("approve ar-7k2q9xbd", "APPROVE ar-7k2q9xbd"),
        row("Approved AR-7K2Q9XBD.", "APPROVE ar-7k2q9xbd"),
        row("ar-7k2q9xbd approve", "APPROVE ar-7k2q9xbd"),
        row("ar-7k2q9xbd  deny!", "DENY ar-7k2q9xbd"),
        row("deny\nar-7k2q9xbd", "DENY ar-7k2q9xbd"),
        row("approve ar-7k2q9xbo", "APPROVE ar-7k2q9xb0"),
        // Starts like a decision, but is more: decides nothing, its author gets a hint
        row("Approved? Who asked for this and why", "UNCLEAR"),
        row("approve?", "UNCLEAR"),
        row("approve!!", "UNCLEAR"),
        row("approve.!", "UNCLEAR"),
        row("approve…", "UNCLEAR"),
        row("Approved, but only after the freeze", "UNCLEAR"),
        row("approved, go ahead", "UNCLEAR"),
        row("Deny: too risky", "UNCLEAR"),
        row("denied, use staging", "UNCLEAR"),
        row("approve. ar-7k2q9xbd", "UNCLEAR"),
        row("approve deny", "UNCLEAR"),
        row("approve approve", "UNCLEAR"),
        row("approve 7k2q9xbd", "UNCLEAR"),
        row("approve ar-7k2q9xb", "UNCLEAR"),
        row("approve ar-7k2q9xbd ar-7k2q9xbd", "UNCLEAR"),
        row("approve ar-7k2q9xbd please", "UNCLEAR"),
        row("ar-7k2q9xbd approve?", "UNCLEAR"),
        row("&gt; approve", "UNCLEAR"),
        row("&gt; approve\nnot yet, who is this?", "UNCLEAR"),
        row(">approve", "UNCLEAR"),
        row("\"approve\"", "UNCLEAR"),
        row("“approve”", "UNCLEAR"),
        row("'approve'", "UNCLEAR"),
        row("`approve`", "UNCLEAR"),
        row("```approve```", "UNCLEAR"),
        row("*approve*", "UNCLEAR"),
        row("_approved_", "UNCLEAR"),
        row("~deny~", "UNCLEAR"),
        row("(approve)", "UNCLEAR"),
        row("<@U0LATCHKEY> approve", "UNCLEAR"),
        row("approve\u200B", "UNCLEAR"),
        row("approve\u202E", "UNCLEAR"),
        row("Approve-ish", "UNCLEAR"),
        row("approve:", "UNCLEAR"),
        // Conversation
        row("I approve", "CONVERSATION"),
        row("looking into it, will approve soon", "CONVERSATION"),
        row("approves", "CONVERSATION"),
        row("disapprove", "CONVERSATION"),
        row("approval given", "CONVERSATION"),
        row("app\u200Brove", "CONVERSATION"),
        row("ar-7k2q9xbd", "CONVERSATION"),
        row("ok", "CONVERSATION"),
        row(".", "CONVERSATION"),
        row("!", "CONVERSATION"),
        row("", "CONVERSATION"),
        row("   ", "CONVERSATION"),
        row(null, "CONVERSATION"));
  }

  private static Arguments row(String text, String reading) {
    return Arguments.of(text, reading);
  }

  @ParameterizedTest(name = "{0} → {1}")
  @MethodSource("replies")
  void readsEachForm(String text, String expected) {
    assertThat(describe(DecisionReply.read(text))).isEqualTo(expected);
    assertThat(DecisionReply.decides(text))
        .isEqualTo(expected.startsWith("APPROVE") || expected.startsWith("DENY"));
  }

  @Test
  void aVeryLongReplyIsReadWithoutTrouble() {
    String spaced = "approve" + " ".repeat(40_000) + "ar-7k2q9xbd";
    assertThat(describe(DecisionReply.read(spaced))).isEqualTo("APPROVE ar-7k2q9xbd");
    assertThat(describe(DecisionReply.read("approve " + "x".repeat(40_000)))).isEqualTo("UNCLEAR");
  }

  private static String describe(DecisionReply.Reading reading) {
    return switch (reading) {
      case DecisionReply.Reading.Decides d ->
          d.decision().name() + d.named().map(id -> " " + id.value()).orElse("");
      case DecisionReply.Reading.Unclear u -> "UNCLEAR";
      case DecisionReply.Reading.Conversation c -> "CONVERSATION";
    };
  }
}
