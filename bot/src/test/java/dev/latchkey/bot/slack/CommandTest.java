package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandTest {

  @Test
  void requestWithEverything() {
    assertThat(Command.parse("request Prod Readonly 2h ns=web,db INC-1 pods  crash <looping>"))
        .isEqualTo(
            new Command.Request(
                "prod",
                "readonly",
                Optional.of(Duration.ofHours(2)),
                List.of("web", "db"),
                "INC-1 pods  crash <looping>"));
  }

  @Test
  void requestOptionalPartsInEitherOrderOrLeftOut() {
    assertThat(Command.parse("request prod operator ns=web 1h30m why"))
        .isEqualTo(
            new Command.Request(
                "prod", "operator", Optional.of(Duration.ofMinutes(90)), List.of("web"), "why"));
    assertThat(Command.parse("request prod readonly 500 errors on checkout"))
        .isEqualTo(
            new Command.Request(
                "prod", "readonly", Optional.empty(), List.of(), "500 errors on checkout"));
    assertThat(Command.parse("request")).isEqualTo(new Command.OpenForm());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1h", "0m", "1e9s", "2.5h", "+0h", "30s", "1h-2m"})
  void badDurationsAreNamed(String duration) {
    Command parsed = Command.parse("request prod readonly " + duration + " reason");

    assertThat(parsed)
        .isInstanceOfSatisfying(
            Command.Invalid.class,
            invalid -> {
              assertThat(invalid.problem()).startsWith("`" + duration + "` is not");
              assertThat(invalid.usage()).isEqualTo(Command.REQUEST_USAGE);
            });
  }

  @ParameterizedTest
  @CsvSource({
    "revok ar-7k2m9q4x,  revoke, /access revoke <id>",
    "lsit,               list,   /access list",
    "stauts prod,        status, /access status [<cluster>]",
    "kubeconfg ar-1,     kubeconfig, /access kubeconfig <id>",
  })
  void aMistypedVerbIsAnsweredWithTheVerbItMostLikelyMeantAndItsForm(
      String text, String meant, String usage) {
    assertThat(Command.parse(text))
        .isInstanceOfSatisfying(
            Command.Invalid.class,
            invalid -> {
              assertThat(invalid.problem())
                  .isEqualTo(
                      "Unknown command `"
                          + text.split(" ")[0]
                          + "`. Did you mean `"
                          + meant
                          + "`?");
              assertThat(invalid.usage()).isEqualTo(usage);
            });
  }

  @Test
  void anUnknownVerbLikeNoneIsAnsweredWithHelp() {
    assertThat(Command.parse("frobnicate prod"))
        .isEqualTo(new Command.Invalid("Unknown command `frobnicate`.", Command.HELP_USAGE));
  }

  @Test
  void hugeDurationsParseAndAreLeftToTheCore() {
    assertThat(Command.parse("request prod readonly 999999h reason"))
        .isInstanceOfSatisfying(
            Command.Request.class,
            r -> assertThat(r.duration()).contains(Duration.ofHours(999999)));
  }

  @Test
  void otherSubcommands() {
    RequestId id = new RequestId("ar-7k2m9q4x");
    assertThat(Command.parse("list")).isEqualTo(new Command.ListOpen());
    assertThat(Command.parse("show AR-7K2M9Q4X")).isEqualTo(new Command.Show(id));
    assertThat(Command.parse("cancel 7k2m9q4x")).isEqualTo(new Command.Cancel(id));
    assertThat(Command.parse("revoke ar-7k2m9q4x")).isEqualTo(new Command.Revoke(id));
    assertThat(Command.parse("extend ar-7k2m9q4x 45m"))
        .isEqualTo(new Command.Extend(id, Duration.ofMinutes(45)));
    assertThat(Command.parse("status")).isEqualTo(new Command.Status(Optional.empty()));
    assertThat(Command.parse("status Prod")).isEqualTo(new Command.Status(Optional.of("prod")));
    assertThat(Command.parse("enable prod")).isEqualTo(new Command.Enable("prod", Set.of()));
    assertThat(Command.parse("enable prod readonly, operator"))
        .isEqualTo(new Command.Enable("prod", Set.of("readonly", "operator")));
    assertThat(Command.parse("disable prod")).isEqualTo(new Command.Disable("prod", false));
    assertThat(Command.parse("disable prod --now")).isEqualTo(new Command.Disable("prod", true));
    assertThat(Command.parse("audit ar-7k2m9q4x")).isEqualTo(new Command.Audit(id));
    assertThat(Command.parse("kubeconfig ar-7k2m9q4x")).isEqualTo(new Command.Kubeconfig(id));
    assertThat(Command.parse("activity AR-7K2M9Q4X")).isEqualTo(new Command.Activity(id));
    assertThat(Command.parse("recording GS-7k2m9q4xOabc"))
        .isEqualTo(
            new Command.Recording(new dev.latchkey.core.session.SessionId("gs-7k2m9q4x0abc")));
    assertThat(Command.parse("help")).isEqualTo(new Command.Help());
    assertThat(Command.parse("   ")).isEqualTo(new Command.Help());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "show",
        "show ar-123",
        "show a b",
        "list all",
        "status a b",
        "extend ar-7k2m9q4x",
        "extend ar-7k2m9q4x 1h 2h",
        "enable",
        "disable",
        "disable prod now",
        "request prod",
        "request prod readonly",
        "request prod readonly 1h",
        "request prod readonly ns= reason",
        "activity",
        "activity gs-7k2m9q4x0abc",
        "recording",
        "recording ar-7k2m9q4x",
        "recording gs-7k2m9q4x0abc more",
        "launch"
      })
  void mistakesAreInvalidWithAUsage(String text) {
    assertThat(Command.parse(text))
        .isInstanceOfSatisfying(
            Command.Invalid.class,
            invalid -> assertThat(Command.ALL_USAGES).contains(invalid.usage()));
  }
}
