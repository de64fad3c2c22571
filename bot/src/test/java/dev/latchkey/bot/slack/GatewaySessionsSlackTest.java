package dev.latchkey.bot.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Customers;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.OpenSession;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.SessionRig;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What people see of gateway sessions in Slack, through signed requests and WireMock as Slack: the
 * card following open sessions and summing up at the end, {@code /access activity} for the
 * requester and approvers, and recordings uploaded into an approver's direct message.
 */
class GatewaySessionsSlackTest {
  private SlackHarness slack;
  private OpenSession opens;
  private CloseSession closes;
  private final Random random = new Random(23);

  /** The fixtures' customer, with prod in gateway mode. */
  static Customers gatewayAcme() {
    Customer acme = Fixtures.acme();
    ClusterPolicy prod = Fixtures.prod();
    Map<String, ClusterPolicy> clusters = new LinkedHashMap<>(acme.clusters());
    clusters.put(
        "prod",
        new ClusterPolicy(
            prod.cluster(),
            prod.roles(),
            List.of(),
            ClusterPolicy.DEFAULT_PENDING_TTL,
            CredentialMode.GATEWAY,
            ClusterPolicy.DEFAULT_SUBJECT_TEMPLATE));
    return Customers.of(
        List.of(
            new Customer(
                acme.id(),
                acme.teamId(),
                acme.channelId(),
                acme.approverUserIds(),
                acme.approverGroupId(),
                acme.adminUserIds(),
                clusters)));
  }

  @BeforeEach
  void start() throws Exception {
    slack = new SlackHarness(gatewayAcme()).enableProd();
    opens = new OpenSession(slack.sessions, slack.surface.notifier());
    closes = new CloseSession(slack.sessions, slack.surface.notifier());
  }

  @AfterEach
  void stop() {
    slack.close();
  }

  private AccessRequest active() throws Exception {
    AccessRequest r = slack.submit(Fixtures.ENGINEER, "request prod readonly 1h INC-7 api pods");
    slack.core.decide().decide(Decision.click(r.id(), Fixtures.APPROVER, Decision.Verdict.APPROVE));
    await().until(() -> slack.get(r.id()).state() == RequestState.ACTIVE);
    slack.awaitCardShows(r.id());
    return slack.get(r.id());
  }

  private StreamSession open(AccessRequest r, StreamKind kind, String pod, String... command) {
    StreamSession s =
        new StreamSession(
            SessionId.random(random),
            r.id(),
            r.cluster(),
            kind,
            "web",
            pod,
            Optional.of("app"),
            List.of(command),
            kind != StreamKind.PORT_FORWARD,
            slack.clock.instant());
    opens.open(s);
    return s;
  }

  private void end(StreamSession s, SessionEnd.Cause cause, byte[] cast) {
    if (cast.length > 0) {
      slack.sessions.appendRecording(s.id(), 0, cast);
    }
    closes.close(
        s,
        new SessionEnd(
            slack.clock.instant(),
            cause,
            100,
            2000,
            cast.length,
            s.kind().recorded() ? Optional.of(SessionRig.sha256(cast)) : Optional.empty()));
  }

  private void logRequests(AccessRequest r) {
    slack.sessions.log(
        List.of(
            line(r, "get", "pods", Optional.empty(), 200, Optional.empty()),
            line(r, "get", "pods", Optional.empty(), 200, Optional.empty()),
            line(r, "get", "secrets", Optional.empty(), 403, Optional.empty()),
            line(
                r,
                "create",
                "pods",
                Optional.of("exec"),
                403,
                Optional.of("namespace latchkey is protected"))));
  }

  private ActivityLine line(
      AccessRequest r,
      String verb,
      String resource,
      Optional<String> subresource,
      int status,
      Optional<String> refusal) {
    return SessionRig.line(
        slack.clock.instant(), r.id(), r.cluster(), verb, resource, subresource, status, refusal);
  }

  /** The answer that came to a command's response_url and contains {@code marker}. */
  private String answerContaining(String marker) {
    await()
        .untilAsserted(
            () ->
                assertThat(slack.responseTexts()).anySatisfy(t -> assertThat(t).contains(marker)));
    return slack.responseTexts().stream().filter(t -> t.contains(marker)).findFirst().orElseThrow();
  }

  private List<AuditEvent> events(AuditAction action) {
    return slack.memoryAudit.all().stream().filter(e -> e.action() == action).toList();
  }

  @Test
  void theCardShowsOpenSessionsWhileAccessLastsAndASummaryOnceItHasEnded() throws Exception {
    AccessRequest r = active();
    assertThat(slack.latestCard(r.id())).doesNotContain("session");

    StreamSession shell = open(r, StreamKind.EXEC, "api-7f9c", "sh");
    await().untilAsserted(() -> assertThat(slack.latestCard(r.id())).contains("1 session open"));
    assertThat(slack.latestCard(r.id())).contains("exec `sh` in `web/api-7f9c` (`app`) since");
    slack.command(Fixtures.BYSTANDER, "show " + r.id().value());
    assertThat(answerContaining("Access request")).contains("1 session open");

    StreamSession top = open(r, StreamKind.EXEC, "api-7f9c", "top");
    await().untilAsserted(() -> assertThat(slack.latestCard(r.id())).contains("2 sessions open"));

    end(shell, SessionEnd.Cause.CLIENT_CLOSED, SessionRig.cast("ls /tmp", "exit"));
    await().untilAsserted(() -> assertThat(slack.latestCard(r.id())).contains("1 session open"));
    assertThat(slack.latestCard(r.id())).contains("`top`").doesNotContain("`sh`");

    logRequests(r);
    slack.core.revoke().revoke(r.id(), Fixtures.APPROVER);
    end(top, SessionEnd.Cause.REVOKED, SessionRig.cast("q"));

    await()
        .untilAsserted(
            () ->
                assertThat(slack.latestCard(r.id()))
                    .contains(
                        "Revoked",
                        "*Through the gateway*: 2 sessions, 3 commands typed, 4 requests, 2"
                            + " refused.",
                        "/access activity " + r.id().value())
                    .doesNotContain("session open"));
  }

  @Test
  void sessionChangesCloseTogetherCostOneCardUpdateAndNoneBeforeTheCardIsShown() throws Exception {
    AccessRequest r = active();
    int updatesBefore = slack.calls("chat.update").size();

    for (int i = 0; i < 10; i++) {
      open(r, StreamKind.EXEC, "api-" + i, "sh");
    }

    await().untilAsserted(() -> assertThat(slack.latestCard(r.id())).contains("10 sessions open"));
    assertThat(slack.latestCard(r.id())).contains("and 5 more");
    assertThat(slack.calls("chat.update").size() - updatesBefore).isBetween(1, 2);
  }

  @Test
  void aSessionRedrawThatSlackRateLimitsIsMadeByTheRetry() throws Exception {
    AccessRequest r = active();
    slack.wm.stubFor(
        post("/api/chat.update")
            .inScenario("rate")
            .whenScenarioStateIs(STARTED)
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "0")
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"ok\":false,\"error\":\"ratelimited\"}"))
            .willSetStateTo("answering"));
    slack.wm.stubFor(
        post("/api/chat.update")
            .inScenario("rate")
            .whenScenarioStateIs("answering")
            .willReturn(okJson("{\"ok\":true}")));

    open(r, StreamKind.EXEC, "api-7f9c", "sh");

    // The request did not change, so only the kept redraw can bring the card up to date: the
    // refused update, then the one Slack takes.
    await()
        .untilAsserted(
            () ->
                assertThat(slack.calls("chat.update"))
                    .filteredOn(c -> c.get("blocks").contains("1 session open"))
                    .hasSize(2));
  }

  @Test
  void theRequesterAndApproversSeeTheActivityAndNobodyElse() throws Exception {
    AccessRequest r = active();
    StreamSession shell = open(r, StreamKind.EXEC, "api-7f9c", "sh");
    end(shell, SessionEnd.Cause.CLIENT_CLOSED, SessionRig.cast("cat /etc/hosts"));
    slack.clock.advance(Duration.ofMinutes(1));
    StreamSession forward = open(r, StreamKind.PORT_FORWARD, "db-0");
    logRequests(r);

    slack.command(Fixtures.ENGINEER, "activity " + r.id().value());
    String mine = answerContaining("Activity of");
    assertThat(mine)
        .contains(
            "2 sessions",
            "4 requests",
            "(2 refused)",
            shell.id().value(),
            "exec `sh` in `web/api-7f9c`",
            "closed by the client",
            "recorded",
            "port-forward to `web/db-0`",
            "*open*",
            "Refused requests",
            "get `secrets` — 1 by the cluster",
            "create `pods/exec` — 1 by Latchkey",
            "get `pods` — 2",
            "go only to the customer's approvers")
        .doesNotContain("/access recording", "cat /etc/hosts");
    assertThat(mine.indexOf(forward.id().value())).isLessThan(mine.indexOf(shell.id().value()));

    slack.wm.resetRequests();
    slack.command(Fixtures.APPROVER, "activity " + r.id().value());
    assertThat(answerContaining("Activity of"))
        .contains(shell.id().value(), "/access recording &lt;session id&gt;");

    slack.command(Fixtures.BYSTANDER, "activity " + r.id().value());
    answerContaining(
        "Only the requester or an approver of this customer can see the activity of "
            + r.id().value());
    slack.command(Fixtures.APPROVER, "activity ar-00000000");
    answerContaining("No request ar-00000000 in this channel");
    assertThat(events(AuditAction.ACTIVITY_REFUSED))
        .singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo(Fixtures.BYSTANDER));
  }

  @Test
  void anApproverGetsTheRecordingInADirectMessageThroughSlacksUploadFlow() throws Exception {
    AccessRequest r = active();
    StreamSession shell = open(r, StreamKind.EXEC, "api-7f9c", "sh");
    byte[] cast = SessionRig.cast("cat /etc/passwd", "exit");
    end(shell, SessionEnd.Cause.CLIENT_CLOSED, cast);
    String sha = SessionRig.sha256(cast);
    slack.wm.resetRequests();

    slack.command(Fixtures.APPROVER, "recording " + shell.id().value().toUpperCase());

    assertThat(answerContaining("Sent you the recording"))
        .contains(shell.id().value(), sha, "asciinema play " + shell.id().value() + ".cast");
    assertThat(slack.calls("conversations.open"))
        .singleElement()
        .satisfies(c -> assertThat(c.get("users")).isEqualTo(Fixtures.APPROVER.userId()));
    assertThat(slack.calls("files.getUploadURLExternal"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.get("filename")).isEqualTo(shell.id().value() + ".cast");
              assertThat(c.get("length")).isEqualTo(Integer.toString(cast.length));
            });
    List<LoggedRequest> uploads = slack.wm.findAll(postRequestedFor(urlEqualTo("/upload/F0CAST")));
    assertThat(uploads).singleElement().satisfies(u -> assertThat(u.getBody()).isEqualTo(cast));
    assertThat(slack.calls("files.completeUploadExternal"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.get("channel_id")).isEqualTo(SlackHarness.DM_CHANNEL);
              assertThat(c).doesNotContainKey("channels");
              JsonNode files = Payloads.json(c.get("files"));
              assertThat(files.get(0).path("id").asText()).isEqualTo("F0CAST");
              assertThat(c.get("initial_comment"))
                  .contains(
                      "asciinema play " + shell.id().value() + ".cast",
                      sha,
                      "session.ended",
                      "Only you received it");
            });
    assertThat(slack.calls("chat.postMessage"))
        .as("nothing about the recording in the channel")
        .noneMatch(c -> String.valueOf(c.get("text")).contains(shell.id().value()));
    String endedSha =
        events(AuditAction.SESSION_ENDED).getFirst().details().get("recording_sha256");
    assertThat(events(AuditAction.RECORDING_SENT))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.result()).isEqualTo(AuditResult.OK);
              assertThat(e.details())
                  .containsEntry("recipient", "slack:T0CUSTOMER/U0APPROVER1")
                  .containsEntry("recording_sha256", endedSha)
                  .containsEntry("recording_bytes", Integer.toString(cast.length))
                  .containsEntry("delivered_to", SlackHarness.DM_CHANNEL);
            });
  }

  @Test
  void everyRefusalIsAnsweredPrivatelyAuditedAndUploadsNothing() throws Exception {
    AccessRequest r = active();
    StreamSession ended = open(r, StreamKind.EXEC, "api-7f9c", "sh");
    end(ended, SessionEnd.Cause.CLIENT_CLOSED, SessionRig.cast("id"));
    StreamSession stillOpen = open(r, StreamKind.EXEC, "api-7f9c", "top");
    StreamSession forward = open(r, StreamKind.PORT_FORWARD, "db-0");
    end(forward, SessionEnd.Cause.CLIENT_CLOSED, new byte[0]);
    StreamSession altered = open(r, StreamKind.ATTACH, "api-7f9c");
    end(altered, SessionEnd.Cause.CLIENT_CLOSED, SessionRig.cast("whoami"));
    slack.sessions.tamper(altered.id(), "{\"version\":2}\n".getBytes(StandardCharsets.UTF_8));

    Actor.SlackUser otherCompany = new Actor.SlackUser("T0GLOBEX", "U0GLOBEX1");
    slack.stubUser(otherCompany.userId(), otherCompany.teamId(), Optional.empty());
    record Ask(Actor.SlackUser who, SessionId id, String answer) {}
    List<Ask> asks =
        List.of(
            new Ask(
                Fixtures.ENGINEER,
                ended.id(),
                "Recordings go to the customer's approvers, never to the requester"),
            new Ask(Fixtures.BYSTANDER, ended.id(), "approvers receive session recordings."),
            new Ask(
                otherCompany,
                ended.id(),
                "approvers receive session recordings: your workspace is not the customer's"),
            new Ask(Fixtures.APPROVER, stillOpen.id(), stillOpen.id() + " is still open"),
            new Ask(Fixtures.APPROVER, forward.id(), forward.id() + " has no recording"),
            new Ask(
                Fixtures.APPROVER,
                altered.id(),
                "The recording of " + altered.id() + " no longer matches the SHA-256"));
    for (Ask ask : asks) {
      slack.wm.resetRequests();
      slack.command(ask.who(), "recording " + ask.id().value());
      assertThat(answerContaining(ask.answer())).as(ask.toString()).startsWith(":no_entry_sign:");
    }
    slack.wm.resetRequests();
    slack.command(Fixtures.APPROVER, "recording gs-000000000000");
    answerContaining("No session gs-000000000000 in this channel");
    HttpResponse<String> typo = slack.command(Fixtures.APPROVER, "recording gs-123");
    assertThat(typo.body()).contains("`gs-123` is not a session id", "/access recording");

    assertThat(slack.wm.findAll(postRequestedFor(urlEqualTo("/upload/F0CAST")))).isEmpty();
    assertThat(slack.calls("files.getUploadURLExternal")).isEmpty();
    assertThat(events(AuditAction.RECORDING_SENT)).isEmpty();
    assertThat(events(AuditAction.RECORDING_REFUSED))
        .extracting(e -> e.details().get("reason"))
        .containsExactly(
            "OWN_SESSION",
            "NOT_APPROVER",
            "FOREIGN_WORKSPACE",
            "SESSION_OPEN",
            "NOT_RECORDED",
            "RECORDING_ALTERED");
  }

  @Test
  void aFailedUploadIsSaidAuditedAndPostedNowhereElse() throws Exception {
    AccessRequest r = active();
    StreamSession shell = open(r, StreamKind.EXEC, "api-7f9c", "sh");
    end(shell, SessionEnd.Cause.EXPIRED, SessionRig.cast("uptime"));
    slack.wm.stubFor(
        post("/api/files.completeUploadExternal")
            .willReturn(okJson("{\"ok\":false,\"error\":\"missing_scope\"}")));
    slack.wm.resetRequests();

    slack.command(Fixtures.APPROVER, "recording " + shell.id().value());

    assertThat(answerContaining("could not be sent to you privately"))
        .contains("(Slack: missing_scope)", "sent nowhere else");
    assertThat(slack.calls("chat.postMessage")).isEmpty();
    assertThat(events(AuditAction.RECORDING_SENT))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.result()).isEqualTo(AuditResult.FAILED);
              assertThat(e.details()).containsEntry("error", "missing_scope");
            });
  }

  @Test
  void aConversationThatIsNotADirectMessageGetsNoRecording() throws Exception {
    AccessRequest r = active();
    StreamSession shell = open(r, StreamKind.EXEC, "api-7f9c", "sh");
    end(shell, SessionEnd.Cause.CLIENT_CLOSED, SessionRig.cast("uptime"));
    slack.wm.stubFor(
        post("/api/conversations.open")
            .willReturn(okJson("{\"ok\":true,\"channel\":{\"id\":\"C0SHARED\"}}")));

    slack.command(Fixtures.APPROVER, "recording " + shell.id().value());

    assertThat(answerContaining("could not be sent to you privately"))
        .contains("not a direct message");
    assertThat(slack.calls("files.getUploadURLExternal")).isEmpty();
  }
}
