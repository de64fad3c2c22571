package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import dev.latchkey.storage.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An extension from the requester's side, through signed requests: the approval says the new end
 * and where the new kubeconfig is; the extension's id leads to it; and once the access ends, by a
 * revoke or by {@code disable --now}, list and status show nothing left. On the in-memory stores
 * and on an H2 file.
 */
class ExtensionFlowTest {
  @TempDir Path dir;
  private Database db;
  private SlackHarness slack;

  @AfterEach
  void stop() {
    if (slack != null) {
      slack.close();
    }
    if (db != null) {
      db.close();
    }
  }

  private void start(boolean database) throws Exception {
    if (!database) {
      slack = new SlackHarness().enableProd();
      return;
    }
    MutableClock clock = SlackHarness.start();
    db =
        Database.builder("jdbc:h2:file:" + dir.resolve("latchkey"))
            .credentials(Database.DEFAULT_USER, "")
            .sinks(List.of())
            .clock(clock)
            .open();
    slack =
        new SlackHarness(
                Fixtures.customers(),
                clock,
                db.requests(),
                db.audit(),
                db.enablements(),
                db.cards())
            .enableProd();
  }

  @ParameterizedTest(name = "ended by {0}, database {1}")
  @CsvSource({"revoke, false", "revoke, true", "disable, false", "disable, true"})
  void anExtendedAccessReadsRightFromItsApprovalToItsEnd(String endedBy, boolean database)
      throws Exception {
    start(database);
    AccessRequest access = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h INC-7 api");
    String id = access.id().value();
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, access.id());
    await().until(() -> slack.get(access.id()).state() == RequestState.ACTIVE);
    Instant end = slack.get(access.id()).expiresAt().orElseThrow();

    assertThat(ask(Fixtures.ENGINEER, "extend " + id + " 2h")).contains("is posted for approval");
    AccessRequest extension = extensionOf(access);
    String extId = extension.id().value();
    slack.awaitCardShows(extension.id());
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, extension.id());
    Instant newEnd = end.plus(Duration.ofHours(2));
    await()
        .untilAsserted(
            () -> {
              assertThat(slack.get(access.id()).expiresAt()).contains(newEnd);
              assertThat(slack.get(extension.id()).grantedAt()).isPresent();
            });

    // The approval says the new end and where the new kubeconfig is.
    await()
        .untilAsserted(
            () ->
                assertThat(slack.directMessages())
                    .contains(
                        ":white_check_mark: Your extension `"
                            + extId
                            + "` was approved by <@U0APPROVER1>: your access `"
                            + id
                            + "` (readonly on prod) now ends "
                            + Mrkdwn.date(newEnd)
                            + ". A kubeconfig you already have still stops at the old end (its"
                            + " token keeps the end it was made with): get a new one with"
                            + " `/access kubeconfig "
                            + id
                            + "` in the support channel."));

    // While it lasts: one access, with its new end; the applied extension is no second one.
    String list = ask(Fixtures.ENGINEER, "list");
    assertThat(list)
        .startsWith("1 pending or active request")
        .contains(id, "access expires " + Mrkdwn.date(newEnd))
        .doesNotContain(extId, "extension applied");
    assertThat(ask(Fixtures.BYSTANDER, "status prod")).contains("active access: 1 request ·");

    // The extension's id leads to the access it extends, with a token to the new end.
    assertThat(ask(Fixtures.ENGINEER, "kubeconfig " + extId))
        .contains(
            "Kubeconfig for `" + id + "` (readonly on prod; the access your extension `" + extId,
            "The token ends " + Mrkdwn.date(newEnd),
            "# token for " + id)
        .doesNotContain("APPROVED", "not active");

    // An extension is not access of its own: its refusals name the access.
    assertThat(ask(Fixtures.ENGINEER, "revoke " + extId))
        .contains(
            extId
                + " is an extension of "
                + id
                + ", not access of its own: revoke the access itself with `/access revoke "
                + id
                + "`.");
    assertThat(ask(Fixtures.ENGINEER, "extend " + extId + " 1h"))
        .contains("extend the access itself with `/access extend " + id + " &lt;duration&gt;`.");

    if (endedBy.equals("revoke")) {
      assertThat(ask(Fixtures.ENGINEER, "revoke " + id)).contains("Revoked `" + id + "`");
    } else {
      assertThat(ask(Fixtures.ADMIN, "disable prod --now")).contains("Revoked now: `" + id + "`");
    }
    await()
        .untilAsserted(
            () -> {
              assertThat(slack.get(access.id()).state()).isEqualTo(RequestState.REVOKED);
              assertThat(slack.cluster.holds(access.id())).isFalse();
            });

    // Nothing is left to show: not the access, not its applied extension.
    assertThat(ask(Fixtures.ENGINEER, "list"))
        .startsWith("No pending or active requests in this channel.");
    assertThat(ask(Fixtures.BYSTANDER, "status prod")).contains("active access: 0 requests ·");
    assertThat(ask(Fixtures.ENGINEER, "kubeconfig " + extId))
        .contains(id + " is not active (it is revoked). Ask for new access with `/access request`.")
        .doesNotContain("REVOKED", "APPROVED", "Usage:");
    assertThat(slack.get(extension.id()).state()).isEqualTo(RequestState.APPROVED);
  }

  @Test
  void anExtensionThatCouldNotBeAppliedIsToldAsSuch() {
    AccessRequest extension =
        AccessRequest.submitted(
                new RequestId("ar-7k2m9q4y"),
                RequestKind.EXTENSION,
                Optional.of(RequestCardTest.ID),
                Fixtures.PROD,
                "readonly",
                Scope.CLUSTER,
                CredentialMode.TOKEN,
                Fixtures.REQUESTER,
                "more",
                Duration.ofHours(1),
                RequestCardTest.T0,
                Duration.ofHours(1),
                1)
            .withState(RequestState.FAILED)
            .withFailure("the access it extends has ended");
    AuditEvent failed =
        AuditEvent.about(
            extension,
            RequestCardTest.T0,
            Actor.SYSTEM,
            AuditAction.GRANT_FAILED,
            AuditResult.FAILED,
            Map.of());

    assertThat(SlackNotifier.directMessageText(extension, failed))
        .contains(
            ":x: Your extension `ar-7k2m9q4y` (readonly on prod) could not be applied: the access"
                + " it extends has ended");
  }

  private AccessRequest extensionOf(AccessRequest access) {
    await()
        .until(
            () ->
                slack.requests.findOpen(Fixtures.ACME).stream()
                    .anyMatch(r -> r.kind() == RequestKind.EXTENSION));
    Optional<AccessRequest> extension =
        slack.requests.findOpen(Fixtures.ACME).stream()
            .filter(r -> r.extendsRequest().equals(Optional.of(access.id())))
            .findFirst();
    return extension.orElseThrow();
  }

  /** Runs a command and returns its answer (text and blocks). */
  private String ask(Actor.SlackUser user, String text) throws Exception {
    int before = slack.responses().size();
    assertThat(slack.command(user, text).statusCode()).isEqualTo(200);
    await().until(() -> slack.responses().size() > before);
    return slack.responseTexts().get(before);
  }
}
