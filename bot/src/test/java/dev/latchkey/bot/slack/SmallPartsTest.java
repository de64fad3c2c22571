package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.slack.api.bolt.context.builtin.ActionContext;
import com.slack.api.bolt.request.RequestHeaders;
import com.slack.api.bolt.request.builtin.BlockActionRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Customer;
import dev.latchkey.core.port.ApproverDirectory.Membership;
import dev.latchkey.core.testing.Fixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Mrkdwn, settings, identities and the approver directory's cache. */
class SmallPartsTest {

  @Test
  void escapeMakesTypedMarkupInert() {
    assertThat(Mrkdwn.escape("<!channel> & <@U1> <http://x|y>"))
        .isEqualTo("&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;http://x|y&gt;");
    assertThat(Mrkdwn.escape(null)).isEmpty();
    assertThat(Mrkdwn.user("U0APPROVER1")).isEqualTo("<@U0APPROVER1>");
    assertThat(Mrkdwn.user("<!channel>")).isEqualTo("&lt;!channel&gt;");
  }

  @Test
  void truncateNeverCutsAnEntityOrASurrogatePair() {
    assertThat(Mrkdwn.truncate("abc", 3)).isEqualTo("abc");
    assertThat(Mrkdwn.truncate("ab&amp;cd", 5)).isEqualTo("ab…");
    assertThat(Mrkdwn.truncate("a\uD83D\uDE00bc", 3)).isEqualTo("a…");
    String escaped = Mrkdwn.escape("&".repeat(1000));
    assertThat(Mrkdwn.truncate(escaped, 3000)).hasSizeLessThanOrEqualTo(3000).endsWith(";…");
  }

  @Test
  void clickWithoutAnyActionIsAnsweredNotThrown() throws Exception {
    try (SlackHarness slack = new SlackHarness()) {
      SlackApi api = new SlackApi(SlackApi.slackFor(slack.settings), SlackHarness.TOKEN, d -> {});
      CardActions actions =
          new CardActions(slack.core, api, new SlackIdentities(api), Runnable::run);
      for (String list : List.of("[]", "[null]")) {
        ObjectNode payload =
            (ObjectNode)
                SlackHarness.JSON.readTree(
                    slack.clickPayload(
                        Fixtures.APPROVER, RequestCard.APPROVE_ACTION, "ar-00000000"));
        payload.set("actions", SlackHarness.JSON.readTree(list));
        String body = SlackHarness.form(Map.of("payload", payload.toString()));
        var request =
            new BlockActionRequest(body, payload.toString(), new RequestHeaders(Map.of()));

        var response =
            actions.click(CardActions.Kind.APPROVE, request, new ActionContext(), () -> false);

        assertThat(response.getStatusCode()).as(list).isEqualTo(400);
        assertThat(response.getBody()).contains("names no action");
      }
    }
  }

  @Test
  void noticesBackOffFromTwoSecondsToTwoMinutes() {
    assertThat(
            List.of(1, 2, 3, 7, 8, KeyedSerialExecutor.MAX_TRIES).stream()
                .map(SlackNotifier::backoff))
        .containsExactly(
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofMinutes(2),
            Duration.ofMinutes(2),
            Duration.ofMinutes(2));
  }

  @Test
  void settingsNeverShowSecretsAndRefuseBadValues() {
    SlackSettings settings = new SlackSettings("xoxb-very-secret", "signing-very-secret", null);

    assertThat(settings.apiUrl()).isEqualTo("https://slack.com/api/");
    assertThat(settings.toString())
        .doesNotContain("very-secret")
        .contains("https://slack.com/api/");
    assertThatThrownBy(() -> new SlackSettings("", "s", null))
        .hasMessageContaining("SLACK_BOT_TOKEN");
    assertThatThrownBy(() -> new SlackSettings("t", "s", "https://slack.example/api"))
        .hasMessageContaining("must end with /api/");
    assertThatThrownBy(() -> new SlackSettings("t", "s", "ftp://slack.example/api/"))
        .hasMessageContaining("http(s)");
    assertThat(new SlackSettings("t", "s", "https://slack-gov.com/api/").apiUrl())
        .isEqualTo("https://slack-gov.com/api/");
  }

  @Test
  void identityIsTheUsersOwnWorkspaceOrEnterpriseOrgFromTheDirectory() throws Exception {
    WireMockServer wm = SlackHarness.wireMock();
    wm.resetAll();
    wm.stubFor(
        post("/api/users.info")
            .withFormParam("user", equalTo("U1"))
            .willReturn(
                okJson(
                    "{\"ok\":true,\"user\":{\"id\":\"U1\",\"team_id\":\"T0WORKSPACE\",\"enterprise_user\":"
                        + "{\"enterprise_id\":\"E0ACMEORG\"},\"profile\":{\"email\":\"u1@acme.example\"}}}")));
    wm.stubFor(
        post("/api/users.info")
            .withFormParam("user", equalTo("U2"))
            .willReturn(
                okJson(
                    "{\"ok\":true,\"user\":{\"id\":\"U2\",\"team_id\":\"T0CUSTOMER\",\"profile\":{}}}")));
    wm.stubFor(
        post("/api/users.info")
            .withFormParam("user", equalTo("U3"))
            .willReturn(okJson("{\"ok\":false,\"error\":\"user_not_found\"}")));
    SlackSettings settings = new SlackSettings("xoxb-t", "s", wm.baseUrl() + "/api/");
    SlackIdentities identities =
        new SlackIdentities(new SlackApi(SlackApi.slackFor(settings), "xoxb-t", d -> {}));
    Customer acme = Fixtures.acme();
    Customer grid =
        new Customer(
            acme.id(),
            "E0ACMEORG",
            acme.channelId(),
            acme.approverUserIds(),
            acme.approverGroupId(),
            acme.adminUserIds(),
            acme.clusters());

    assertThat(identities.resolve("U1", Optional.of(acme)))
        .isEqualTo(
            new SlackIdentities.Identity.Known(
                new Actor.SlackUser("T0WORKSPACE", "U1"), Optional.of("u1@acme.example")));
    assertThat(identities.resolve("U1", Optional.of(grid)))
        .isEqualTo(
            new SlackIdentities.Identity.Known(
                new Actor.SlackUser("E0ACMEORG", "U1"), Optional.of("u1@acme.example")));
    assertThat(identities.resolve("U2", Optional.of(grid)))
        .isEqualTo(
            new SlackIdentities.Identity.Known(
                new Actor.SlackUser("T0CUSTOMER", "U2"), Optional.empty()));
    assertThat(identities.resolve("U3", Optional.of(acme)))
        .isInstanceOf(SlackIdentities.Identity.Unknown.class);
    // Known profiles are cached; failures are asked again.
    identities.resolve("U1", Optional.empty());
    identities.resolve("U3", Optional.empty());
    wm.verify(
        1, postRequestedFor(urlEqualTo("/api/users.info")).withFormParam("user", equalTo("U1")));
    wm.verify(
        2, postRequestedFor(urlEqualTo("/api/users.info")).withFormParam("user", equalTo("U3")));
  }

  /** Moves a fake ticker on. */
  @FunctionalInterface
  interface FakeTicker {
    void advance(Duration d);
  }

  @Test
  void approverGroupCacheAgesByElapsedTimeNotByTheDomainClock() throws Exception {
    try (SlackHarness slack = new SlackHarness()) {
      var directory = slack.surface.approverDirectory();
      assertThat(directory.membership("S0APPROVERS", Fixtures.GROUP_APPROVER))
          .isEqualTo(Membership.MEMBER);

      slack.clock.advance(Duration.ofMinutes(5));
      assertThat(directory.membership("S0APPROVERS", Fixtures.GROUP_APPROVER))
          .isEqualTo(Membership.MEMBER);
      slack.clock.set(java.time.Instant.parse("2026-03-02T08:00:00Z"));
      assertThat(directory.membership("S0APPROVERS", Fixtures.GROUP_APPROVER))
          .isEqualTo(Membership.MEMBER);

      assertThat(slack.calls("usergroups.users.list")).hasSize(1);
    }
  }

  @Test
  void approverGroupIsCachedForAtMostSixtySecondsAndUnknownWhenSlackFails() throws Exception {
    WireMockServer wm = SlackHarness.wireMock();
    wm.resetAll();
    wm.stubFor(
        post("/api/usergroups.users.list")
            .willReturn(okJson("{\"ok\":true,\"users\":[\"U0GROUPMEMBER\"]}")));
    List<Duration> sleeps = new ArrayList<>();
    SlackSettings settings = new SlackSettings("xoxb-t", "s", wm.baseUrl() + "/api/");
    SlackApi api = new SlackApi(SlackApi.slackFor(settings), "xoxb-t", sleeps::add);
    AtomicLong nanos = new AtomicLong();
    FakeTicker clock = d -> nanos.addAndGet(d.toNanos());
    SlackApproverDirectory directory = new SlackApproverDirectory(api, nanos::get);

    assertThat(directory.membership("S0APPROVERS", Fixtures.GROUP_APPROVER))
        .isEqualTo(Membership.MEMBER);
    assertThat(directory.membership("S0APPROVERS", Fixtures.BYSTANDER))
        .isEqualTo(Membership.NOT_MEMBER);
    clock.advance(Duration.ofSeconds(59));
    assertThat(directory.membership("S0APPROVERS", Fixtures.GROUP_APPROVER))
        .isEqualTo(Membership.MEMBER);
    wm.verify(1, postRequestedFor(urlEqualTo("/api/usergroups.users.list")));

    wm.stubFor(post("/api/usergroups.users.list").willReturn(aResponse().withStatus(500)));
    clock.advance(Duration.ofSeconds(2));
    assertThat(directory.membership("S0APPROVERS", Fixtures.GROUP_APPROVER))
        .isEqualTo(Membership.UNKNOWN);
    wm.stubFor(
        post("/api/usergroups.users.list")
            .willReturn(okJson("{\"ok\":false,\"error\":\"missing_scope\"}")));
    assertThat(directory.membership("S0APPROVERS", Fixtures.GROUP_APPROVER))
        .isEqualTo(Membership.UNKNOWN);
    wm.stubFor(post("/api/usergroups.users.list").willReturn(okJson("{\"ok\":true,\"users\":[]}")));
    assertThat(directory.membership("S0APPROVERS", Fixtures.GROUP_APPROVER))
        .isEqualTo(Membership.NOT_MEMBER);
    assertThat(sleeps).hasSize(SlackApi.ATTEMPTS - 1);
  }
}
