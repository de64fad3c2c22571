package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Guesses that help, and no guess where one would mislead. */
class DidYouMeanTest {
  static final List<String> VERBS =
      List.of(
          "request",
          "list",
          "show",
          "cancel",
          "revoke",
          "extend",
          "status",
          "enable",
          "disable",
          "audit",
          "kubeconfig",
          "help");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "revok,      revoke", // a letter missing
    "lsit,       list", // two letters swapped
    "stauts,     status",
    "kubeconfg,  kubeconfig",
    "Extned,     extend", // any case
    "disabel,    disable",
    "kube,       kubeconfig", // the start of exactly one verb
    "requets,    request",
    "hlep,       help",
  })
  void aMistypedVerbLeadsToTheVerb(String typed, String meant) {
    assertThat(DidYouMean.closest(typed, VERBS)).contains(meant);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "frobnicate", // nothing like any verb
    "list", // not a mistake
    "x", // too short to guess from
    "re", // the start of two verbs (request, revoke)
    "xyzw",
  })
  void noGuessWhenNothingIsCloseOrTheWordIsKnown(String typed) {
    assertThat(DidYouMean.closest(typed, VERBS)).isEmpty();
  }

  @ParameterizedTest(name = "{0} in {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "prdo     | prod, staging              | prod",
        "stagign  | prod, staging              | staging",
        "opertor  | readonly, operator, admin  | operator",
        "admn     | readonly, operator, admin  | admin",
        "readonyl | readonly, operator, admin  | readonly",
      })
  void clusterAndRoleNamesToo(String typed, String known, String meant) {
    assertThat(DidYouMean.closest(typed, List.of(known.split(", ")))).contains(meant);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"ab", "dev1"})
  void twoEquallyCloseNamesGiveNoGuess(String typed) {
    assertThat(DidYouMean.closest(typed, List.of("ac", "ad", "dev2", "dev3"))).isEmpty();
  }

  @ParameterizedTest(name = "{0} {1} = {2}")
  @CsvSource({"list, lsit, 1", "revoke, revok, 1", "prod, staging, 7", "abc, abc, 0"})
  void distanceCountsASwapAsOneEdit(String a, String b, int edits) {
    assertThat(DidYouMean.distance(a, b)).isEqualTo(edits);
  }
}
