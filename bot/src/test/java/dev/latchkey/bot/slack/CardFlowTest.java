package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.testing.Fixtures;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request → card → button clicks → card, thread and DM, through a real server and a WireMock Slack.
 */
class CardFlowTest {
  private SlackHarness slack;

  @BeforeEach
  void start() throws Exception {
    slack = new SlackHarness().enableProd();
  }

  @AfterEach
  void stop() throws Exception {
    slack.close();
  }

  @Test
  void happyPathFromRequestToActiveCardAndDirectMessage() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 2h INC-1234 pods crash-looping");

    assertThat(r.state()).isEqualTo(RequestState.PENDING);
    assertThat(r.requester().email()).contains("alice@vendor.example");
    assertThat(slack.cardPosts()).hasSize(1);
    String posted = slack.cardPosts().getFirst().get("blocks");
    assertThat(posted)
        .contains(
            "Access request",
            r.id().value(),
            "<@U0ENGINEER>",
            "readonly",
            "prod",
            "INC-1234 pods crash-looping",
            "Approve",
            "Deny",
            "Expires if unanswered at",
            "never Secrets");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .anySatisfy(
                        t -> assertThat(t).contains("posted for approval", r.id().value())));

    HttpResponse<String> click = slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    assertThat(click.statusCode()).isEqualTo(200);

    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id()))
        .contains(
            "Active",
            "approved by <@U0APPROVER1>",
            "Revoke now",
            "/access kubeconfig " + r.id().value())
        .doesNotContain("latchkey.approve");
    await()
        .untilAsserted(
            () -> {
              assertThat(slack.threadReplies(r.id()))
                  .anySatisfy(t -> assertThat(t).contains("Approved by <@U0APPROVER1>"));
              assertThat(slack.threadReplies(r.id()))
                  .anySatisfy(t -> assertThat(t).contains("Access granted"));
              assertThat(slack.directMessages())
                  .anySatisfy(
                      t ->
                          assertThat(t).contains("was approved by <@U0APPROVER1>", r.id().value()));
            });
    assertThat(slack.calls("conversations.open").getFirst().get("users")).isEqualTo("U0ENGINEER");
    assertThat(slack.cluster.holds(r.id())).isTrue();
    assertThat(slack.cardPosts()).hasSize(1);
  }

  @Test
  void nonApproverClickIsRefusedAuditedAndLeavesTheCard() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h checking logs");

    slack.click(Fixtures.BYSTANDER, RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo("U0BYSTANDER"))
                    .anySatisfy(
                        t -> assertThat(t).contains("You are not an approver for this request")));
    assertThat(slack.memoryAudit.actions(r.id())).contains(AuditAction.DECISION_REFUSED);
    AuditEvent refusal =
        slack.memoryAudit.forRequest(r.id()).stream()
            .map(e -> e.event())
            .filter(e -> e.action() == AuditAction.DECISION_REFUSED)
            .findFirst()
            .orElseThrow();
    assertThat(refusal.actor()).isEqualTo(Fixtures.BYSTANDER);
    assertThat(refusal.details())
        .containsEntry("reason", "NOT_APPROVER")
        .containsEntry("method", "button");
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.calls("chat.update")).isEmpty();
  }

  @Test
  void requesterCannotApproveTheirOwnRequest() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h self check");

    slack.click(Fixtures.ENGINEER, RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo("U0ENGINEER"))
                    .anySatisfy(t -> assertThat(t).contains("cannot decide your own request")));
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.calls("chat.update")).isEmpty();
  }

  @Test
  void listedApproverWhoseOwnWorkspaceIsAnotherIsRefused() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h foreign");
    // A listed approver id that Slack's directory places in the vendor's workspace; the click's
    // payload naming
    // the customer's workspace does not matter.
    slack.stubUser(Fixtures.APPROVER.userId(), Fixtures.VENDOR_TEAM, Optional.empty());

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo("U0APPROVER1"))
                    .anySatisfy(
                        t ->
                            assertThat(t)
                                .contains("not an approver for this request", "own workspace")));
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(
            slack.memoryAudit.forRequest(r.id()).stream()
                .map(e -> e.event().details().get("reason")))
        .contains("FOREIGN_WORKSPACE");
  }

  @Test
  void twoDistinctApproversAreNeededForAdmin() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod admin 1h cluster upgrade stuck");
    assertThat(slack.cardPosts().getFirst().get("blocks")).contains("0 of 2 approvals");

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    await().untilAsserted(() -> assertThat(slack.get(r.id()).approvals()).hasSize(1));
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("1 of 2 approvals", "<@U0APPROVER1>", "Approve");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo("U0APPROVER1"))
                    .anySatisfy(t -> assertThat(t).contains("recorded (1 of 2)")));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    slack.click(Fixtures.GROUP_APPROVER, RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    assertThat(slack.get(r.id()).approvals())
        .extracting(Approval::approver)
        .containsExactly(Fixtures.APPROVER, Fixtures.GROUP_APPROVER);
    slack.awaitCardShows(r.id());
    assertThat(slack.latestCard(r.id())).contains("Active", "<@U0APPROVER1> and <@U0GROUPMEMBER>");
    assertThat(slack.calls("usergroups.users.list")).hasSize(1);
  }

  @Test
  void denyAndRevokeUpdateTheCardAndTellTheRequester() throws Exception {
    AccessRequest denied = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h first");
    slack.click(Fixtures.APPROVER_2, RequestCard.DENY_ACTION, denied.id());
    await()
        .untilAsserted(
            () -> assertThat(slack.get(denied.id()).state()).isEqualTo(RequestState.DENIED));
    slack.awaitCardShows(denied.id());
    assertThat(slack.latestCard(denied.id()))
        .contains("Denied", "<@U0APPROVER2>")
        .doesNotContain("latchkey.");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.directMessages())
                    .anySatisfy(t -> assertThat(t).contains("was denied by <@U0APPROVER2>")));

    AccessRequest active = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h second");
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, active.id());
    await()
        .untilAsserted(
            () -> assertThat(slack.get(active.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.click(Fixtures.APPROVER_3, RequestCard.REVOKE_ACTION, active.id());
    await()
        .untilAsserted(
            () -> assertThat(slack.get(active.id()).state()).isEqualTo(RequestState.REVOKED));
    slack.awaitCardShows(active.id());
    assertThat(slack.latestCard(active.id())).contains("Revoked", "by <@U0APPROVER3>");
    assertThat(slack.cluster.holds(active.id())).isFalse();
    await()
        .untilAsserted(
            () ->
                assertThat(slack.threadReplies(active.id()))
                    .anySatisfy(t -> assertThat(t).contains("Revoked by <@U0APPROVER3>")));
  }

  @Test
  void clickOnADecidedRequestSaysSoAndChangesNothing() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h late click");
    slack.click(Fixtures.APPROVER, RequestCard.DENY_ACTION, r.id());
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.DENIED));

    slack.click(Fixtures.APPROVER_2, RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo("U0APPROVER2"))
                    .anySatisfy(t -> assertThat(t).contains("already denied")));
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.DENIED);
  }

  @Test
  void retriedClickDeliveryHasOneEffect() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h retry");
    String body =
        SlackHarness.form(
            Map.of(
                "payload",
                slack.clickPayload(
                    Fixtures.BYSTANDER, RequestCard.APPROVE_ACTION, r.id().value())));

    slack.postSigned(body, "application/x-www-form-urlencoded", Map.of());
    HttpResponse<String> retry =
        slack.postSigned(
            body,
            "application/x-www-form-urlencoded",
            Map.of("X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"));

    assertThat(retry.statusCode()).isEqualTo(200);
    await().untilAsserted(() -> assertThat(slack.ephemeralsTo("U0BYSTANDER")).hasSize(1));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(slack.ephemeralsTo("U0BYSTANDER")).hasSize(1));
    assertThat(slack.memoryAudit.count(AuditAction.DECISION_REFUSED)).isEqualTo(1);
  }
}
