package dev.latchkey.bot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customer;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.testing.Fixtures;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every /access subcommand and every way of typing one wrong, through the real server. */
class SlashCommandTest {
  static final CustomerId GLOBEX = new CustomerId("globex");
  static final ClusterRef GLOBEX_PROD = new ClusterRef(GLOBEX, "prod");
  static final Actor.SlackUser GLOBEX_ADMIN = new Actor.SlackUser("T0GLOBEX", "U0GLOBEXADMIN");

  private SlackHarness slack;

  @BeforeEach
  void start() throws Exception {
    Customer globex =
        new Customer(
            GLOBEX,
            "T0GLOBEX",
            "C0GLOBEX",
            Set.of("U0GLOBEXAPPROVER"),
            Optional.empty(),
            Set.of("U0GLOBEXADMIN"),
            Map.of(
                "prod",
                new ClusterPolicy(
                    GLOBEX_PROD,
                    Map.of("readonly", RoleDefinition.builtIn("readonly")),
                    List.of(),
                    ClusterPolicy.DEFAULT_PENDING_TTL,
                    CredentialMode.TOKEN,
                    ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE)));
    slack = new SlackHarness(Customers.of(List.of(Fixtures.acme(), globex))).enableProd();
    slack.core.enable().enable(GLOBEX_PROD, GLOBEX_ADMIN, Set.of("readonly"));
  }

  @AfterEach
  void stop() throws Exception {
    slack.close();
  }

  @Test
  void helpListsEveryForm() throws Exception {
    for (String text : List.of("help", "")) {
      HttpResponse<String> response = slack.command(Fixtures.ENGINEER, text);
      assertThat(response.statusCode()).isEqualTo(200);
      String shown = ackText(response);
      assertThat(shown)
          .contains(
              "/access request &lt;cluster&gt; &lt;role&gt;",
              "/access list",
              "/access show &lt;id&gt;",
              "/access cancel",
              "/access revoke",
              "/access extend",
              "/access status",
              "/access enable",
              "/access disable &lt;cluster&gt; [--now]",
              "/access audit",
              "/access kubeconfig",
              "/access activity &lt;id&gt;",
              "/access recording &lt;session id&gt;",
              "/access help");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "request prod readonly -1h fix it | `-1h` is not a valid duration: it must be above zero |"
            + " /access request",
        "request prod readonly 0m fix it | `0m` is not a valid duration: it must be above zero |"
            + " /access request",
        "request prod readonly 1e9s fix it | `1e9s` is not a duration | /access request",
        "request prod readonly 1h | A reason is required | /access request",
        "request prod readonly ns= look | needs at least one namespace | /access request",
        "request prod | Name the role | /access request",
        "show not-an-id | `not-an-id` is not a request id | /access show",
        "cancel | Name the request | /access cancel",
        "extend ar-00000000 soon | `soon` is not a duration | /access extend",
        "disable prod --later | the only option is --now | /access disable",
        "frobnicate prod | Unknown command `frobnicate` | /access help",
        "lsit | Unknown command `lsit`. Did you mean `list`? | /access list",
        "revok ar-00000000 | Did you mean `revoke`? | /access revoke &lt;id&gt;"
      })
  void typingMistakesAreAnsweredInTheAcknowledgementWithTheCorrectForm(
      String text, String problem, String form) throws Exception {
    HttpResponse<String> response = slack.command(Fixtures.ENGINEER, text.strip());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(ackText(response)).contains(problem.strip(), "Usage:", form.strip());
    assertThat(slack.listing.all()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "request nope readonly 1h fix it            | Unknown cluster `nope`. Clusters: prod,"
            + " staging.",
        "request prod superuser 1h fix it | Unknown role `superuser` on prod. Roles: readonly,"
            + " operator, admin.",
        "request prod operator 5h fix it | Role operator can be held for at most 4h; you asked for"
            + " 5h. Ask for 4h or less.",
        "request prod readonly 999999h fix it       | Role readonly can be held for at most 8h",
        "request prod readonly 5m fix it            | lasts at least 15m",
        "request staging readonly 1h fix it         | Support access to staging is disabled",
        "request prod readonly ns=Bad_NS 1h fix it  | is not a namespace name",
        "request prdo readonly 1h fix it | Unknown cluster `prdo`. Did you mean `prod`? Clusters:"
            + " prod, staging.",
        "request prod opertor 1h fix it | Unknown role `opertor` on prod. Did you mean `operator`?"
            + " Roles: readonly, operator, admin."
      })
  void refusedRequestsNameTheProblemAndWhatToDoWithoutAUsageLine(String text, String problem)
      throws Exception {
    slack.command(Fixtures.ENGINEER, text.strip());

    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .singleElement()
                    .satisfies(
                        t ->
                            assertThat(t)
                                .contains(problem.strip())
                                .doesNotContain("Usage:", "/access request &lt;cluster&gt;")));
    assertThat(slack.listing.all()).isEmpty();
    assertThat(slack.cardPosts()).isEmpty();
  }

  @Test
  void reasonsLongerThan500CharactersAreRefused() throws Exception {
    slack.command(Fixtures.ENGINEER, "request prod readonly 1h " + "x".repeat(16 * 1024));

    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .singleElement()
                    .satisfies(t -> assertThat(t).contains("longer than 500 characters")));
    assertThat(slack.listing.all()).isEmpty();
  }

  @Test
  void invisibleCharactersAreRefusedInReasonsAndShownByNameElsewhere() throws Exception {
    slack.command(Fixtures.ENGINEER, "request prod readonly 1h pods \u202Eylnodaer crash-looping");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .singleElement()
                    .satisfies(
                        t ->
                            assertThat(t)
                                .contains(
                                    "The reason holds an invisible or direction-changing"
                                        + " character (U+202E); write it as plain text.")));

    slack.command(Fixtures.ENGINEER, "request pr\u200Bod readonly 1h pods crash-looping");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .hasSize(2)
                    .last()
                    .satisfies(
                        t -> assertThat(t).contains("Unknown cluster `pr&lt;U+200B&gt;od`")));
    assertThat(String.join("", slack.responseTexts())).doesNotContain("\u202E", "\u200B");
    assertThat(slack.listing.all()).isEmpty();
    assertThat(slack.cardPosts()).isEmpty();
  }

  @Test
  void unknownIdsAndOtherCustomersRequestsAreNotFound() throws Exception {
    AccessRequest other =
        submitIn(
            "C0GLOBEX",
            new Actor.SlackUser("T0VENDOR", "U0ENGINEER"),
            "request prod readonly 1h globex work");
    AccessRequest mine = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h acme work");

    slack.command(Fixtures.ENGINEER, "show ar-zzzzzzzz");
    slack.command(Fixtures.ENGINEER, "show " + other.id().value());
    slack.command(Fixtures.ENGINEER, "audit " + other.id().value());
    slack.command(Fixtures.ENGINEER, "cancel " + other.id().value());
    slack.command(Fixtures.ENGINEER, "list");

    await()
        .untilAsserted(
            () -> {
              List<String> texts = slack.responseTexts();
              assertThat(texts)
                  .filteredOn(t -> t.contains("No request"))
                  .hasSize(4)
                  .anySatisfy(
                      t ->
                          assertThat(t)
                              .contains("No request ar-zzzzzzzz", "See /access list")
                              .doesNotContain("Usage:"));
              assertThat(texts)
                  .anySatisfy(
                      t ->
                          assertThat(t)
                              .contains("pending or active", mine.id().value())
                              .doesNotContain(other.id().value()));
            });
    assertThat(slack.get(other.id()).state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  void commandsOutsideACustomerChannelSayWhereToGo() throws Exception {
    HttpResponse<String> response =
        slack.command(Fixtures.ENGINEER, "D0DIRECT", "request prod readonly 1h fix");

    assertThat(ackText(response))
        .contains("Use `/access` in your customer's shared support channel");
    assertThat(slack.listing.all()).isEmpty();
  }

  @Test
  void showAndAuditDescribeTheRequest() throws Exception {
    AccessRequest r =
        slack.submit(Fixtures.ENGINEER, "request prod readonly 1h ns=web,db look at pods");

    slack.command(Fixtures.BYSTANDER, "show " + r.id().value().toUpperCase());
    slack.command(Fixtures.BYSTANDER, "audit " + r.id().value());

    await()
        .untilAsserted(
            () -> {
              assertThat(slack.responseTexts())
                  .anySatisfy(
                      t ->
                          assertThat(t)
                              .contains(r.id().value(), "namespaces db, web", "look at pods")
                              .doesNotContain("latchkey.approve"));
              assertThat(slack.responseTexts())
                  .anySatisfy(
                      t ->
                          assertThat(t)
                              .contains(
                                  "Audit trail of",
                                  "Request submitted by <@U0ENGINEER>",
                                  "`request.submitted`",
                                  "slack:T0VENDOR/U0ENGINEER"));
            });
  }

  @Test
  void kubeconfigOnlyForTheRequesterOfActiveAccess() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h need kubectl");
    slack.command(Fixtures.ENGINEER, "kubeconfig " + r.id().value());
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .anySatisfy(
                        t ->
                            assertThat(t)
                                .contains(
                                    "is not active (it is pending approval). A kubeconfig is"
                                        + " handed out once it is approved.")
                                .doesNotContain("PENDING", "Usage:")));

    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, r.id());
    await()
        .untilAsserted(() -> assertThat(slack.get(r.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.command(Fixtures.APPROVER, "kubeconfig " + r.id().value());
    slack.command(Fixtures.ENGINEER, "kubeconfig " + r.id().value());

    await()
        .untilAsserted(
            () -> {
              assertThat(slack.responseTexts())
                  .anySatisfy(t -> assertThat(t).contains("Only the requester"));
              assertThat(slack.responses())
                  .anySatisfy(
                      j -> {
                        assertThat(j.path("response_type").asText()).isEqualTo("ephemeral");
                        assertThat(j.path("text").asText())
                            .contains("```\napiVersion: v1", "# token for " + r.id().value());
                      });
            });
    assertThat(slack.memoryAudit.actions(r.id()))
        .contains(
            dev.latchkey.core.AuditAction.CREDENTIAL_ISSUED,
            dev.latchkey.core.AuditAction.CREDENTIAL_REFUSED);
  }

  @Test
  void cancelRevokeAndExtend() throws Exception {
    AccessRequest pending = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h to cancel");
    slack.command(Fixtures.BYSTANDER, "cancel " + pending.id().value());
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .anySatisfy(
                        t ->
                            assertThat(t)
                                .contains("Only the requester can cancel", "An approver can deny")
                                .doesNotContain("Usage:")));
    slack.command(Fixtures.ENGINEER, "cancel " + pending.id().value());
    await()
        .untilAsserted(
            () -> assertThat(slack.get(pending.id()).state()).isEqualTo(RequestState.CANCELLED));
    slack.awaitCardShows(pending.id());
    assertThat(slack.latestCard(pending.id())).contains("Cancelled");

    AccessRequest active = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h to extend");
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, active.id());
    await()
        .untilAsserted(
            () -> assertThat(slack.get(active.id()).state()).isEqualTo(RequestState.ACTIVE));
    slack.command(Fixtures.ENGINEER, "extend " + active.id().value() + " 2h");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.listing.all())
                    .anySatisfy(x -> assertThat(x.kind()).isEqualTo(RequestKind.EXTENSION)));
    AccessRequest extension =
        slack.listing.all().stream()
            .filter(x -> x.kind() == RequestKind.EXTENSION)
            .findFirst()
            .orElseThrow();
    slack.awaitCardShows(extension.id());
    assertThat(slack.latestCard(extension.id()))
        .contains("Extension request", "extend `" + active.id().value() + "` by *2h*", "Approve");
    slack.command(Fixtures.ENGINEER, "revoke " + active.id().value());
    // The removal follows the committed REVOKED state: wait for both.
    await()
        .untilAsserted(
            () -> {
              assertThat(slack.get(active.id()).state()).isEqualTo(RequestState.REVOKED);
              assertThat(slack.cluster.holds(active.id())).isFalse();
            });
  }

  @Test
  void statusEnableAndDisable() throws Exception {
    AccessRequest active = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h to be cut");
    slack.click(Fixtures.APPROVER, RequestCard.APPROVE_ACTION, active.id());
    await()
        .untilAsserted(
            () -> assertThat(slack.get(active.id()).state()).isEqualTo(RequestState.ACTIVE));

    slack.command(Fixtures.BYSTANDER, "status");
    slack.command(Fixtures.ENGINEER, "status nope");
    slack.command(Fixtures.ENGINEER, "enable staging");
    await()
        .untilAsserted(
            () -> {
              assertThat(slack.responseTexts())
                  .anySatisfy(
                      t ->
                          assertThat(t)
                              .contains(
                                  "*prod*",
                                  "enabled for admin, " + "operator, readonly",
                                  "active access: 1 request ·",
                                  "*staging*",
                                  "disabled"));
              assertThat(slack.responseTexts())
                  .anySatisfy(
                      t ->
                          assertThat(t)
                              .contains("Unknown cluster `nope`. Clusters: prod, staging.")
                              .doesNotContain("Usage:"));
              assertThat(slack.responseTexts())
                  .anySatisfy(
                      t ->
                          assertThat(t)
                              .contains(
                                  "Only the customer's admins and approvers", "Ask one of them")
                              .doesNotContain("Usage:"));
            });

    slack.command(Fixtures.ADMIN, "disable prod --now");
    // The removal follows the committed REVOKED state: wait for both.
    await()
        .untilAsserted(
            () -> {
              assertThat(slack.get(active.id()).state()).isEqualTo(RequestState.REVOKED);
              assertThat(slack.cluster.holds(active.id())).isFalse();
            });
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responses())
                    .anySatisfy(
                        j -> {
                          assertThat(j.path("response_type").asText()).isEqualTo("in_channel");
                          assertThat(j.path("text").asText())
                              .contains("now disabled", "Revoked now: `" + active.id().value());
                        }));
    slack.command(Fixtures.ENGINEER, "request prod readonly 1h after disable");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .anySatisfy(t -> assertThat(t).contains("Support access to prod is disabled")));

    slack.command(Fixtures.APPROVER, "enable staging operator");
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts())
                    .anySatisfy(
                        t -> assertThat(t).contains("staging", "enabled for operator, readonly")));
  }

  @Test
  void typedMarkupInAReasonIsRenderedInert() throws Exception {
    String reason =
        "<!channel> ping <@U0APPROVER1> see <http://evil.example|the runbook> & <!here>";
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h " + reason);

    assertThat(r.reason()).isEqualTo(reason);
    String card = slack.cardPosts().getFirst().get("blocks");
    assertThat(card)
        .contains(
            "&lt;!channel&gt; ping &lt;@U0APPROVER1&gt; see "
                + "&lt;http://evil.example|the runbook&gt; &amp; &lt;!here&gt;")
        .doesNotContain("<!channel>", "<!here>", "<http://evil", "<@U0APPROVER1>");
    assertThat(slack.cardPosts().getFirst().get("text")).doesNotContain("<!channel>");
  }

  @Test
  void requestWithoutArgumentsOpensTheFormAndItsSubmissionRequests() throws Exception {
    HttpResponse<String> ack = slack.command(Fixtures.ENGINEER, "request");
    assertThat(ack.statusCode()).isEqualTo(200);
    await().untilAsserted(() -> assertThat(slack.calls("views.open")).hasSize(1));
    Map<String, String> open = slack.calls("views.open").getFirst();
    assertThat(open.get("trigger_id")).startsWith("13345224609.738474920.trigger");
    JsonNode view = SlackHarness.JSON.readTree(open.get("view"));
    assertThat(view.path("callback_id").asText()).isEqualTo(RequestModal.CALLBACK_ID);
    assertThat(view.path("private_metadata").asText()).isEqualTo(Fixtures.CHANNEL);

    HttpResponse<String> bad = submitForm("prod", "readonly", "-1h", "");
    assertThat(bad.statusCode()).isEqualTo(200);
    JsonNode errors = SlackHarness.JSON.readTree(bad.body());
    assertThat(errors.path("response_action").asText()).isEqualTo("errors");
    assertThat(errors.path("errors").path("duration").asText()).contains("above zero");
    assertThat(errors.path("errors").path("reason").asText()).contains("reason is required");
    assertThat(slack.listing.all()).isEmpty();

    HttpResponse<String> good = submitForm("prod", "operator", "2h", "INC-9 from the form");
    assertThat(good.statusCode()).isEqualTo(200);
    await().untilAsserted(() -> assertThat(slack.listing.all()).hasSize(1));
    AccessRequest r = slack.listing.all().iterator().next();
    assertThat(r.role()).isEqualTo("operator");
    assertThat(r.reason()).isEqualTo("INC-9 from the form");
    slack.awaitCardShows(r.id());
    await()
        .untilAsserted(
            () ->
                assertThat(slack.ephemeralsTo("U0ENGINEER"))
                    .anySatisfy(t -> assertThat(t).contains("posted for approval")));
  }

  @Test
  void retriedCommandDeliveryHasOneEffect() throws Exception {
    String body =
        slack.commandBody(
            Fixtures.ENGINEER, Fixtures.CHANNEL, "request prod readonly 1h only once");
    slack.postSigned(body, "application/x-www-form-urlencoded", Map.of());
    slack.postSigned(body, "application/x-www-form-urlencoded", Map.of("X-Slack-Retry-Num", "1"));

    await()
        .untilAsserted(
            () -> {
              assertThat(slack.cardPosts()).hasSize(1);
              assertThat(slack.responseTexts()).hasSize(1); // the answer may follow the card
            });
    assertThat(slack.listing.all()).hasSize(1);
  }

  private AccessRequest submitIn(String channel, Actor.SlackUser user, String text)
      throws Exception {
    slack.command(user, channel, text);
    await().untilAsserted(() -> assertThat(slack.listing.all()).isNotEmpty());
    return slack.listing.all().iterator().next();
  }

  private HttpResponse<String> submitForm(
      String cluster, String role, String duration, String reason) throws Exception {
    ObjectNode p = SlackHarness.JSON.createObjectNode();
    p.put("type", "view_submission");
    p.putObject("team").put("id", Fixtures.CUSTOMER_TEAM).put("domain", "acme");
    p.putObject("user")
        .put("id", "U0ENGINEER")
        .put("username", "alice")
        .put("name", "alice")
        .put("team_id", Fixtures.VENDOR_TEAM);
    p.put("api_app_id", "A0LATCHKEY");
    p.put("token", "legacy-verification-token");
    p.put("trigger_id", "13345224609.738474920.form" + System.nanoTime());
    ObjectNode view = p.putObject("view");
    view.put("id", "V0FORM");
    view.put("team_id", Fixtures.CUSTOMER_TEAM);
    view.put("type", "modal");
    view.put("callback_id", RequestModal.CALLBACK_ID);
    view.put("private_metadata", Fixtures.CHANNEL);
    view.put("hash", "1772442000.abcdef");
    view.putArray("blocks");
    ObjectNode values = view.putObject("state").putObject("values");
    values
        .putObject("cluster")
        .putObject("value")
        .put("type", "static_select")
        .putObject("selected_option")
        .put("value", cluster)
        .putObject("text")
        .put("type", "plain_text")
        .put("text", cluster);
    values
        .putObject("role")
        .putObject("value")
        .put("type", "static_select")
        .putObject("selected_option")
        .put("value", role)
        .putObject("text")
        .put("type", "plain_text")
        .put("text", role);
    values
        .putObject("duration")
        .putObject("value")
        .put("type", "plain_text_input")
        .put("value", duration);
    values
        .putObject("namespaces")
        .putObject("value")
        .put("type", "plain_text_input")
        .putNull("value");
    ObjectNode reasonValue =
        values.putObject("reason").putObject("value").put("type", "plain_text_input");
    if (reason.isEmpty()) {
      reasonValue.putNull("value");
    } else {
      reasonValue.put("value", reason);
    }
    p.putArray("response_urls");
    return slack.postSigned(
        SlackHarness.form(Map.of("payload", p.toString())),
        "application/x-www-form-urlencoded",
        Map.of());
  }

  private static String ackText(HttpResponse<String> response) throws Exception {
    return SlackHarness.JSON.readTree(response.body()).path("text").asText();
  }
}
