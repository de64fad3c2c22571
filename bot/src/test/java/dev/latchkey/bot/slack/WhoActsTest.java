package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.testing.Fixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who acted is what Slack's directory (users.info) says, the same for a slash command, a button,
 * the request form and a thread reply; the workspace ids payloads carry (which differ between those
 * paths) decide nothing.
 */
class WhoActsTest {
  /**
   * A customer approver who also asks for access, from a command typed where the installing
   * workspace shows.
   */
  static final String DUAL = Fixtures.APPROVER_2.userId();

  private SlackHarness slack;

  @AfterEach
  void stop() {
    if (slack != null) {
      slack.close();
    }
  }

  @Test
  void requesterWhoIsAnApproverCannotApproveTheirOwnRequestByButton() throws Exception {
    slack = new SlackHarness().enableProd();
    AccessRequest r =
        slack.submit(
            new Actor.SlackUser("T0INSTALLED", DUAL), "request prod readonly 1h my change");

    slack.click(
        new Actor.SlackUser(Fixtures.CUSTOMER_TEAM, DUAL), RequestCard.APPROVE_ACTION, r.id());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo(DUAL))
                    .anySatisfy(t -> assertThat(t).contains("cannot decide your own request")));
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.get(r.id()).requester().user())
        .isEqualTo(new Actor.SlackUser(Fixtures.CUSTOMER_TEAM, DUAL));
    assertThat(
            slack.memoryAudit.forRequest(r.id()).stream()
                .map(e -> e.event().details().get("reason")))
        .contains("SELF_APPROVAL");
  }

  @Test
  void requesterWhoIsAnApproverCannotApproveTheirOwnRequestByWrittenReply() throws Exception {
    slack = new SlackHarness().enableProd();
    AccessRequest r =
        slack.submit(
            new Actor.SlackUser("T0INSTALLED", DUAL), "request prod readonly 1h my change");

    slack.threadReply(
        new Actor.SlackUser("T0ELSEWHERE", DUAL),
        r.id(),
        "1772442100.000100",
        "approved",
        "Ev0DUAL",
        Map.of());

    await()
        .untilAsserted(
            () ->
                assertThat(
                        slack.memoryAudit.forRequest(r.id()).stream()
                            .map(e -> e.event().details().get("reason")))
                    .contains("SELF_APPROVAL"));
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  void aSecondAccountOfTheRequesterInTheApproverGroupCannotApprove() throws Exception {
    slack = new SlackHarness().enableProd();
    // U0ENGINEER is alice@vendor.example in the vendor's workspace; the customer's workspace has
    // another account of hers, an approver, whose directory entry shows the same email.
    slack.stubUser(
        Fixtures.APPROVER_2.userId(),
        Fixtures.CUSTOMER_TEAM,
        Optional.empty(),
        Optional.of("Alice@Vendor.Example"));
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod operator 1h my own change");

    slack.click(Fixtures.APPROVER_2, RequestCard.APPROVE_ACTION, r.id());
    slack.threadReply(
        Fixtures.APPROVER_2, r.id(), "1772442100.000100", "approve", "Ev0SECOND", Map.of());

    await()
        .untilAsserted(
            () ->
                assertThat(
                        slack.memoryAudit.forRequest(r.id()).stream()
                            .filter(e -> e.event().action() == AuditAction.DECISION_REFUSED)
                            .map(e -> e.event().details().get("reason")))
                    .containsExactly("SELF_APPROVAL", "SELF_APPROVAL"));
    assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.get(r.id()).approvals()).isEmpty();
    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo(Fixtures.APPROVER_2.userId()))
                    .anySatisfy(t -> assertThat(t).contains("cannot decide your own request")));

    // Another approver, with an email of their own, approves.
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
  }

  @Test
  void enterpriseGridCustomerApproverApprovesByButton() throws Exception {
    Customer acme = Fixtures.acme();
    Customer org =
        new Customer(
            acme.id(),
            "E0ACME",
            acme.channelId(),
            acme.approverUserIds(),
            acme.approverGroupId(),
            acme.adminUserIds(),
            acme.clusters());
    slack = new SlackHarness(Customers.of(List.of(org)));
    slack.stubUser(Fixtures.ADMIN.userId(), "T0ACMEEU", Optional.of("E0ACME"));
    slack.stubUser(Fixtures.APPROVER.userId(), "T0ACMEUS", Optional.of("E0ACME"));
    slack.command(Fixtures.ADMIN, "enable prod");
    await().until(() -> slack.core.settings().enablement(Fixtures.PROD).enabled());
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h grid customer");

    // Block actions carry the clicker's workspace (user.team_id) but not always their org.
    slack.click(
        new Actor.SlackUser("T0ACMEUS", Fixtures.APPROVER.userId()),
        RequestCard.APPROVE_ACTION,
        r.id());

    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    assertThat(slack.get(r.id()).decidedBy())
        .contains(new Actor.SlackUser("E0ACME", Fixtures.APPROVER.userId()));
  }

  @Test
  void slashCommandChecksTheCallersOwnWorkspaceNotTheOneTheCommandWasTypedIn() throws Exception {
    slack = new SlackHarness();
    // A vendor engineer listed (by mistake) as an admin types in the shared channel, whose team_id
    // is the
    // customer's: their own workspace is the vendor's, so they may not switch support access.
    slack.stubUser(Fixtures.ADMIN.userId(), Fixtures.VENDOR_TEAM, Optional.empty());

    slack.command(
        new Actor.SlackUser(Fixtures.CUSTOMER_TEAM, Fixtures.ADMIN.userId()), "enable prod");

    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .anySatisfy(
                        t -> assertThat(t).contains("Only the customer's admins and approvers")));
    assertThat(slack.core.settings().enablement(Fixtures.PROD).enabled()).isFalse();
  }

  @Test
  void whenSlackCannotSayWhoClickedNothingChanges() throws Exception {
    slack = new SlackHarness().enableProd();
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h directory down");
    slack.wm.stubFor(post("/api/users.info").willReturn(aResponse().withStatus(503)));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    slack.command(Fixtures.ADMIN, "disable prod");

    await()
        .untilAsserted(
            () -> {
              assertThat(slack.ephemeralsTo(Fixtures.APPROVER.userId()))
                  .anySatisfy(
                      t ->
                          assertThat(t)
                              .contains("could not be checked just now", "nothing changed"));
              assertThat(slack.responseTexts())
                  .anySatisfy(t -> assertThat(t).contains("could not be checked just now"));
            });
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.PENDING);
              assertThat(slack.core.settings().enablement(Fixtures.PROD).enabled()).isTrue();
            });
    assertThat(slack.memoryAudit.actions(r.id())).containsExactly(AuditAction.REQUEST_SUBMITTED);
  }
}
