package dev.latchkey.bot.slack;

import dev.latchkey.bot.slack.RefusalTexts.Situation;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RequestState;
import java.util.Arrays;
import java.util.Optional;

/**
 * The words for a request that is not (or no longer) active access, with what to do in its state
 * instead: wait, cancel, ask anew, or name the access an extension belongs to.
 */
final class NotActiveTexts {
  private NotActiveTexts() {}

  static String text(Situation situation, Refusal r) {
    String id = f(r, Fact.REQUEST);
    String constant = f(r, Fact.STATE);
    String state = StateWords.named(constant);
    boolean pending = constant.equals(RequestState.PENDING.name());
    boolean ended =
        Arrays.stream(RequestState.values())
            .anyMatch(s -> s.isFinal() && s.name().equals(constant));
    String askAnew = "Ask for new access with `/access request`.";
    Optional<String> extended = r.fact(Fact.EXTENDS);
    if (extended.isPresent() && (situation == Situation.REVOKE || situation == Situation.EXTEND)) {
      String access = extended.get();
      return id
          + " is an extension of "
          + access
          + ", not access of its own: "
          + (situation == Situation.REVOKE
              ? "revoke the access itself with `/access revoke "
                  + access
                  + "`"
                  + (pending ? ", or withdraw the extension with `/access cancel " + id + "`" : "")
              : "extend the access itself with `/access extend " + access + " <duration>`")
          + ".";
    }
    return switch (situation) {
      case REVOKE ->
          id
              + " is not active access (it is "
              + state
              + "); "
              + (ended
                  ? "it has ended already, there is nothing to revoke."
                  : pending
                      ? "pending requests are cancelled by the requester (`/access cancel "
                          + id
                          + "`) or denied on their card."
                      : "an approved extension ends with the access it extends: revoke that"
                          + " access instead.");
      case EXTEND ->
          id
              + " is not active (it is "
              + state
              + "); only active access can be extended. "
              + (pending ? "Wait for its approval, then extend it." : askAnew);
      default ->
          id
              + " is not active (it is "
              + state
              + "). "
              + (pending
                  ? "A kubeconfig is handed out once it is approved."
                  : ended ? askAnew : "Its grant is being made: try again in a moment.");
    };
  }

  private static String f(Refusal r, Fact fact) {
    return r.fact(fact).orElse("");
  }
}
