package dev.latchkey.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.bot.config.ConfigException;
import dev.latchkey.bot.config.ConfigLoader;
import dev.latchkey.bot.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What start-up says before it starts anything, and what it leaves behind when it stops. */
class MainTest {
  @TempDir Path dir;

  @Test
  void theEnvironmentsAndTheFilesProblemsAreListedInOneRun() throws Exception {
    Path config = dir.resolve("latchkey.yml");
    Files.writeString(
        config,
        """
        customers:
          - id: acme
            slack:
              teamId: T0123ABCD
              channel: C0SHARED
              approvers: { users: [U0APPROVER1] }
            clusters:
              - name: prod
                kubeconfig: /tmp/k
                pendingTtl: forever
        """);
    Main.Check check =
        Main.check(
            Map.of(
                "SLACK_SIGNING_SECRET", "s",
                "MANAGEMENT_PORT", "ninety",
                "LATCHKEY_CONFIG", config.toString()));

    assertThat(check.config()).isEmpty();
    assertThat(check.problems())
        .hasSize(4)
        .anySatisfy(p -> assertThat(p).startsWith("SLACK_BOT_TOKEN is not set"))
        .anySatisfy(p -> assertThat(p).startsWith("MANAGEMENT_PORT must be a number"))
        .anySatisfy(
            p -> assertThat(p).contains("teamId is `T0123ABCD`, the placeholder of latchkey"))
        .anySatisfy(p -> assertThat(p).contains("pendingTtl `forever` is not a duration"));
    assertThat(Main.cannotStart(check.problems()))
        .startsWith("Latchkey cannot start:\n  - SLACK_BOT_TOKEN is not set")
        .endsWith("See README.md, \"Configuration\" and \"Troubleshooting\".");
  }

  @Test
  void aStartStoppedByAClusterProblemCreatesNoDatabaseFile() throws Exception {
    Path data = dir.resolve("data");
    String yaml =
        """
        database:
          url: jdbc:h2:file:%s
        audit:
          file: %s
        customers:
          - id: acme
            slack:
              teamId: T0CUSTOMER
              channel: C0SHARED
              approvers: { users: [U0APPROVER1] }
            clusters:
              - name: prod
                kubeconfig: %s
              - name: stage
                kubeconfig: %s
        """
            .formatted(
                data.resolve("latchkey"),
                data.resolve("audit.jsonl"),
                dir.resolve("missing-prod-kubeconfig"),
                dir.resolve("missing-stage-kubeconfig"));
    Settings settings =
        Settings.from(
            Map.of(
                "SLACK_BOT_TOKEN", "xoxb-1",
                "SLACK_SIGNING_SECRET", "s",
                "PORT", "0",
                "MANAGEMENT_PORT", "0"));

    assertThatThrownBy(
            () ->
                Latchkey.start(
                    settings, ConfigLoader.parse(yaml, "latchkey.yml"), Clock.systemUTC()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .as("both clusters' problems at once")
                    .hasSize(2)
                    .anySatisfy(p -> assertThat(p).startsWith("cluster acme/prod:"))
                    .anySatisfy(p -> assertThat(p).startsWith("cluster acme/stage:")));
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left)
          .as("nothing created: no data directory, no database, no audit file")
          .isEmpty();
    }
  }
}
