package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.Refusal;
import dev.latchkey.core.Refusal.Fact;
import dev.latchkey.core.RequestState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every refusal the core can give has words in every situation, and every such text is explained in
 * the README's troubleshooting table, so a person who meets one can look it up.
 */
class RefusalTextsTest {

  /** A refusal of {@code reason} carrying every fact, with the values a person might see. */
  private static Refusal withEveryFact(Refusal.Reason reason, boolean extension) {
    Refusal r = Refusal.of(reason);
    for (Fact fact : Fact.values()) {
      if (fact == Fact.EXTENDS && !extension) {
        continue;
      }
      r =
          r.with(
              fact,
              switch (fact) {
                case CLUSTER -> "prod";
                case CLUSTERS -> "prod, staging";
                case ROLE -> "operator";
                case ROLES, ENABLED_ROLES -> "readonly, operator";
                case CLUSTER_ROLE -> "latchkey-operator";
                case NAMESPACE -> "web";
                case ALLOWED_NAMESPACES, PROTECTED_NAMESPACES -> "latchkey, latchkey-grants";
                case LIMIT -> "20";
                case MAXIMUM -> "4h";
                case ASKED -> "8h";
                case ALLOWED_MORE -> "1h";
                case MINIMUM -> "15m";
                case TOKEN_MINIMUM -> "10m";
                case LEEWAY -> "30s";
                case ENDS_AT -> "2026-03-02T17:00:00Z";
                case REQUEST, EXTENDS -> "ar-7k2q9xbd";
                case STATE -> "EXPIRED";
                case REACHES -> "EXEC, DELETE_PODS";
                case CHARACTER -> "U+202E";
                case ERROR -> "connect timed out";
                case SESSION -> "gs-7k2m9q4x0abc";
              });
    }
    return r;
  }

  private static List<String> everyText() {
    List<String> texts = new ArrayList<>();
    for (RefusalTexts.Situation situation : RefusalTexts.Situation.values()) {
      for (Refusal.Reason reason : Refusal.Reason.values()) {
        texts.add(RefusalTexts.text(situation, withEveryFact(reason, false)));
        texts.add(RefusalTexts.text(situation, withEveryFact(reason, true)));
      }
    }
    return texts;
  }

  @Test
  void everyReasonHasWordsInEverySituation() {
    for (RefusalTexts.Situation situation : RefusalTexts.Situation.values()) {
      for (Refusal.Reason reason : Refusal.Reason.values()) {
        assertThat(RefusalTexts.text(situation, withEveryFact(reason, false)))
            .as(situation + " " + reason)
            .isNotBlank()
            .doesNotContain("null");
      }
    }
  }

  /**
   * Phrases that tell a person what to do: a command to run, whom to ask, what to change or retry.
   * Every refusal holds one, so nobody is left with only a "no".
   */
  private static final List<String> NEXT_STEPS =
      List.of(
          "/access ",
          "Ask ",
          "ask ",
          "Deny it",
          "deny it",
          "try again",
          "Try again",
          "Wait for",
          "write it as plain text",
          "link a ticket",
          "add ns=",
          "Write them like",
          "use your usual kubeconfig",
          "Apply deploy/catalogue.yaml",
          "Re-apply deploy/catalogue.yaml",
          "Run Latchkey outside the cluster",
          "say why you need access",
          "give one like",
          "decides it",
          "Clusters: ",
          "Roles: ",
          "Allowed: ",
          "nothing to revoke",
          "revoke that access",
          "handed out once it is approved");

  @Test
  void everyRefusalSaysWhatToDoNext() {
    for (RefusalTexts.Situation situation : RefusalTexts.Situation.values()) {
      for (Refusal.Reason reason : Refusal.Reason.values()) {
        for (boolean extension : List.of(false, true)) {
          String text = RefusalTexts.text(situation, withEveryFact(reason, extension));
          assertThat(NEXT_STEPS)
              .as(situation + " " + reason + ": " + text)
              .anyMatch(text::contains);
        }
      }
    }
  }

  @Test
  void aRoleNotEnabledSaysWhoEnablesItAndWithWhichCommand() {
    Refusal notEnabled =
        Refusal.of(Refusal.Reason.ROLE_NOT_ENABLED)
            .with(Fact.ROLE, "operator")
            .with(Fact.CLUSTER, "prod")
            .with(Fact.ENABLED_ROLES, "readonly");
    assertThat(RefusalTexts.text(RefusalTexts.Situation.SUBMIT, notEnabled))
        .isEqualTo(
            "Role operator is not enabled on prod. Enabled: readonly. A customer admin or approver"
                + " can enable it with `/access enable prod readonly,operator`.");
  }

  @Test
  void statesReadInTheOneVocabularyNeverAsConstants() {
    for (RequestState state : RequestState.values()) {
      Refusal notActive =
          Refusal.of(Refusal.Reason.NOT_ACTIVE)
              .with(Fact.REQUEST, "ar-7k2q9xbd")
              .with(Fact.STATE, state.name());
      for (RefusalTexts.Situation situation : RefusalTexts.Situation.values()) {
        String text = RefusalTexts.text(situation, notActive);
        if (situation != RefusalTexts.Situation.DECIDE) {
          assertThat(text).as(situation + " " + state).contains(StateWords.of(state));
        }
        assertThat(text).as(situation + " " + state).doesNotContain(state.name());
      }
    }
    assertThat(StateWords.named("TIMED_OUT")).isEqualTo("timed out");
    assertThat(StateWords.named("SOMETHING_NEW")).isEqualTo("something new");
  }

  @Test
  void aMistypedClusterRoleOrNamespaceIsAnsweredWithTheClosestName() {
    assertThat(
            RefusalTexts.text(
                RefusalTexts.Situation.SUBMIT,
                Refusal.of(Refusal.Reason.UNKNOWN_CLUSTER)
                    .with(Fact.CLUSTER, "prdo")
                    .with(Fact.CLUSTERS, "prod, staging")))
        .isEqualTo("Unknown cluster `prdo`. Did you mean `prod`? Clusters: prod, staging.");
    assertThat(
            RefusalTexts.text(
                RefusalTexts.Situation.SWITCH,
                Refusal.of(Refusal.Reason.UNKNOWN_ROLE)
                    .with(Fact.ROLE, "opertor")
                    .with(Fact.CLUSTER, "prod")
                    .with(Fact.ROLES, "readonly, operator, admin")))
        .contains("Did you mean `operator`?");
    assertThat(
            RefusalTexts.text(
                RefusalTexts.Situation.SUBMIT,
                Refusal.of(Refusal.Reason.NAMESPACE_NOT_ALLOWED)
                    .with(Fact.NAMESPACE, "paymnets")
                    .with(Fact.CLUSTER, "prod")
                    .with(Fact.ALLOWED_NAMESPACES, "payments, web")))
        .contains("Did you mean `payments`?");
    // Nothing close: no guess, and without the list the next step says where to find it.
    assertThat(
            RefusalTexts.text(
                RefusalTexts.Situation.SWITCH,
                Refusal.of(Refusal.Reason.UNKNOWN_CLUSTER).with(Fact.CLUSTER, "qa")))
        .isEqualTo("Unknown cluster `qa`. `/access status` lists this channel's clusters.");
  }

  @Test
  void theRoleCheckNamesTheCatalogueToApply() {
    Refusal missing =
        Refusal.of(Refusal.Reason.ROLE_MISSING_IN_CLUSTER)
            .with(Fact.CLUSTER_ROLE, "latchkey-operator")
            .with(Fact.ROLE, "operator")
            .with(Fact.CLUSTER, "prod");
    assertThat(RefusalTexts.text(RefusalTexts.Situation.SWITCH, missing))
        .contains("deploy/catalogue.yaml");
  }

  @Test
  void aRoleThatReachesLatchkeyIsRefusedWithTheEscalationAndTheWaysOut() {
    Refusal reaches =
        Refusal.of(Refusal.Reason.ROLE_REACHES_LATCHKEY)
            .with(Fact.ROLE, "operator")
            .with(Fact.CLUSTER, "prod")
            .with(Fact.REACHES, "EXEC, DELETE_PODS, CHANGE_WORKLOADS");
    assertThat(RefusalTexts.text(RefusalTexts.Situation.SWITCH, reaches))
        .contains("exec into pods", "Run Latchkey outside the cluster")
        .contains("scope: namespaced", "credentials: gateway");
  }

  @Test
  void theReadmeTroubleshootingTableExplainsEveryRefusal() throws IOException {
    List<Pattern> rows = troubleshootingPatterns();
    assertThat(rows).hasSizeGreaterThan(20);
    assertThat(
            everyText().stream()
                .distinct()
                .filter(text -> rows.stream().noneMatch(p -> p.matcher(text).lookingAt())))
        .as("refusals the README's troubleshooting table does not explain")
        .isEmpty();
  }

  /**
   * The messages of the README's troubleshooting table as patterns: each code span of a row's first
   * cell, with {@code …} and {@code <placeholder>} standing for any text.
   */
  static List<Pattern> troubleshootingPatterns() throws IOException {
    String readme = Files.readString(readme());
    int start = readme.indexOf("## Troubleshooting");
    int end = readme.indexOf("\n## ", start + 1);
    List<Pattern> patterns = new ArrayList<>();
    for (String line : readme.substring(start, end).split("\n")) {
      if (!line.startsWith("| ") || line.startsWith("| ---") || line.startsWith("| message")) {
        continue;
      }
      String first = line.substring(2, line.indexOf(" | ", 2));
      Matcher code = Pattern.compile("``? ?(.+?) ?``?(?=\\s|$|[,;.)/(])").matcher(first);
      while (code.find()) {
        patterns.add(pattern(code.group(1)));
      }
    }
    return patterns;
  }

  private static Pattern pattern(String message) {
    StringBuilder regex = new StringBuilder();
    Matcher parts = Pattern.compile("…|<[a-z -]+>").matcher(message);
    int at = 0;
    while (parts.find()) {
      regex.append(Pattern.quote(message.substring(at, parts.start()))).append("(?s).*?");
      at = parts.end();
    }
    regex.append(Pattern.quote(message.substring(at)));
    return Pattern.compile("(?s)" + regex);
  }

  private static Path readme() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("README.md"))) {
      dir = dir.getParent();
    }
    return dir.resolve("README.md");
  }
}
