package dev.latchkey.bot.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.testing.MutableClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fifty button clicks on one card at the same instant — approve and deny, by five listed approvers,
 * plus clicks by people who may not decide — through the real HTTP endpoint of a whole Latchkey.
 * Exactly one decision wins, at most one grant is made, the audit trail holds exactly one decision
 * event and still verifies, the card ends showing that decision, and every click is acknowledged
 * within Slack's 3 seconds.
 */
@EnableKubernetesMockClient(crud = true)
class ConcurrentClicksTest {
  static final int CLICKS = 50;
  static final Duration SLACK_ACK_LIMIT = Duration.ofSeconds(3);
  static final List<String> APPROVERS =
      List.of("U0APPROVER1", "U0APPROVER2", "U0APPROVER3", "U0APPROVER4", "U0APPROVER5");

  /** Listed as an approver, but Slack's directory places them in the vendor's workspace. */
  static final String VENDOR_LEAD = "U0VENDORLEAD";

  /**
   * Longer than the timers' due period (500 ms): no grant of theirs can still be on its way after
   * this.
   */
  private static final Duration QUIET = Duration.ofMillis(1200);

  private static final Pattern REQUEST_ID = Pattern.compile("ar-[0-9a-z]{8}");

  static KubernetesMockServer server;
  static KubernetesClient client;

  @TempDir Path dir;
  private FakeSlack slack;
  private InProcessLatchkey app;

  @BeforeEach
  void start() throws Exception {
    slack = new FakeSlack();
    List<String> listed = new ArrayList<>(APPROVERS);
    listed.add(VENDOR_LEAD);
    app =
        InProcessLatchkey.start(
            dir, slack, client, MutableClock.at("2026-03-02T09:00:00Z"), listed);
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    slack.close();
  }

  /**
   * One click to send: who, which button, and the signed request (built before the start signal).
   */
  record Click(String team, String user, String actionId, boolean mayDecide, HttpRequest request) {}

  /**
   * What one round of fifty clicks left: the request, the clicks, and the API calls made after
   * them.
   */
  record Round(
      RequestId id,
      List<Click> clicks,
      long seqBefore,
      AccessRequest decided,
      List<RecordedRequest> clusterCalls) {
    int expectedGrants() {
      return decided.state() == RequestState.ACTIVE ? 1 : 0;
    }

    long calls(String method, String pathEnd) {
      return clusterCalls.stream()
          .filter(
              r -> r.getMethod().equals(method) && r.getPath().split("\\?")[0].endsWith(pathEnd))
          .count();
    }
  }

  @Test
  void fiftySimultaneousClicksOnOneCardMakeExactlyOneDecision() throws Exception {
    Round round = fiftyClicks();
    RequestId id = round.id();
    List<Click> clicks = round.clicks();
    long seqBefore = round.seqBefore();
    AccessRequest decided = round.decided();
    System.out.println(
        "concurrent clicks: the one decision is "
            + decided.state()
            + "; the grant's create calls: "
            + round.calls("POST", "/clusterrolebindings")
            + " binding, "
            + round.calls("POST", "/serviceaccounts")
            + " ServiceAccount");

    assertThat(decided.state()).isIn(RequestState.ACTIVE, RequestState.DENIED);
    assertThat(decided.decidedBy()).isPresent();

    // Exactly one decision event, from an approver; every refused click audited as such, nothing
    // else.
    List<String> actions = app.auditActionsAfter(seqBefore);
    long approvedEvents = actions.stream().filter(a -> a.equals("request.approved")).count();
    long deniedEvents = actions.stream().filter(a -> a.equals("request.denied")).count();
    assertThat(approvedEvents + deniedEvents).as("decision events in %s", actions).isEqualTo(1);
    long outsiders = clicks.stream().filter(c -> !c.mayDecide()).count();
    assertThat(actions.stream().filter(a -> a.equals("decision.refused")).count())
        .isEqualTo(outsiders);
    List<StoredAuditEvent> trail = app.latchkey.database().audit().forRequest(id);
    if (decided.state() == RequestState.ACTIVE) {
      assertThat(approvedEvents).isEqualTo(1);
      assertThat(actions)
          .containsOnlyOnce("approval.given", "grant.created")
          .doesNotContain("request.denied", "grant.failed");
    } else {
      assertThat(deniedEvents).isEqualTo(1);
      assertThat(actions).doesNotContain("approval.given", "request.approved", "grant.created");
    }
    assertThat(trail)
        .extracting(e -> e.event().action().eventName())
        .containsOnlyOnce(
            decided.state() == RequestState.ACTIVE ? "request.approved" : "request.denied");
    assertThat(app.latchkey.database().audit().verify())
        .isInstanceOf(AuditLog.ChainCheck.Intact.class);

    // At most one grant: the objects in the cluster (never deleted and made again), and one grant
    // event.
    int expectedGrants = round.expectedGrants();
    Map<String, String> labels = Map.of("latchkey.dev/request-id", id.value());
    assertThat(client.rbac().clusterRoleBindings().withLabels(labels).list().getItems())
        .hasSize(expectedGrants);
    assertThat(client.serviceAccounts().inAnyNamespace().withLabels(labels).list().getItems())
        .hasSize(expectedGrants);
    assertThat(round.clusterCalls()).noneMatch(r -> r.getMethod().equals("DELETE"));
    assertThat(round.calls("POST", "/clusterrolebindings")).isGreaterThanOrEqualTo(expectedGrants);
    assertThat(trail)
        .extracting(e -> e.event().action().eventName())
        .filteredOn("grant.created"::equals)
        .hasSize(expectedGrants);

    // The card: the last update shows the one decision, by the one who made it.
    String decider =
        ((dev.latchkey.core.Actor.SlackUser) decided.decidedBy().orElseThrow()).userId();
    FakeSlack.soon()
        .untilAsserted(
            () ->
                assertThat(app.latchkey.database().cards().findOutOfDate(100)).doesNotContain(id));
    CardStore.CardRef card = app.latchkey.database().cards().find(id).orElseThrow();
    List<Map<String, String>> updates =
        slack.calls("chat.update").stream().filter(u -> card.ts().equals(u.get("ts"))).toList();
    assertThat(updates).isNotEmpty();
    String last = FakeSlack.shownText(updates.getLast());
    if (decided.state() == RequestState.ACTIVE) {
      assertThat(last)
          .contains("*Active* — approved by <@" + decider + ">")
          .doesNotContain("*Denied*");
    } else {
      assertThat(last)
          .contains("*Denied* by <@" + decider + ">")
          .doesNotContain("*Active*", "*Approved*");
    }
    assertThat(
            slack.calls("chat.postMessage").stream()
                .filter(
                    m ->
                        FakeSlack.CHANNEL.equals(m.get("channel"))
                            && m.get("thread_ts") == null
                            && FakeSlack.shownText(m).contains(id.value())))
        .as("cards posted for %s", id)
        .hasSize(1);

    // What the people who clicked were told.
    for (Click click : clicks) {
      if (!click.mayDecide()) {
        // Refused whatever the state; a listed id of the vendor's workspace shares its user id with
        // an approver.
        assertThat(slack.ephemeralsTo(click.user()))
            .anySatisfy(
                text ->
                    assertThat(text)
                        .containsAnyOf(
                            "You are not an approver for this request",
                            "You cannot decide your own request"));
        if (!APPROVERS.contains(click.user())) {
          assertThat(slack.ephemeralsTo(click.user())).noneMatch(text -> text.contains("already"));
        }
      }
    }
    assertThat(slack.calls("chat.postEphemeral"))
        .extracting(c -> c.get("text"))
        .noneMatch(text -> text.contains("could not finish"));
  }

  /**
   * The grant of the winning approval is carried out once: one create call per object. Today the
   * timers' due pass also picks up the just-approved request (approve() makes it due at the
   * approval instant) and runs the grant a second time while the approving click is still running
   * it; harmless here (the second creates answer 409), but a second grant racing a revoke can
   * re-create a binding after its removal, until reconciliation deletes it.
   */
  @Test
  void theWinningApprovalCreatesEachObjectOnce() throws Exception {
    Round round = fiftyClicks();
    assertThat(round.calls("POST", "/clusterrolebindings")).isEqualTo(round.expectedGrants());
    assertThat(round.calls("POST", "/serviceaccounts")).isEqualTo(round.expectedGrants());
  }

  /**
   * Submits a request, sends the fifty clicks at once, checks every acknowledgement, and waits
   * until every click has been handled and the cluster has gone quiet.
   */
  private Round fiftyClicks() throws Exception {
    RequestId id = submitAndAwaitCard();
    List<Click> clicks = clicks(id);
    drainClusterRequests();
    long seqBefore = app.lastAuditSeq();

    ExecutorService pool = Executors.newFixedThreadPool(CLICKS);
    CountDownLatch ready = new CountDownLatch(CLICKS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Answer>> answers = new ArrayList<>();
    try {
      for (Click click : clicks) {
        answers.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  long started = System.nanoTime();
                  HttpResponse<String> response = slack.send(click.request());
                  return new Answer(
                      click, response.statusCode(), Duration.ofNanos(System.nanoTime() - started));
                }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      List<Answer> done = new ArrayList<>();
      for (Future<Answer> f : answers) {
        done.add(f.get(20, TimeUnit.SECONDS));
      }
      Duration slowest = done.stream().map(Answer::took).max(Duration::compareTo).orElseThrow();
      System.out.println(
          "concurrent clicks: "
              + CLICKS
              + " acknowledged, slowest in "
              + slowest.toMillis()
              + " ms");
      assertThat(done)
          .allSatisfy(
              a -> {
                assertThat(a.status())
                    .as("ack of %s by %s", a.click().actionId(), a.click().user())
                    .isEqualTo(200);
                assertThat(a.took())
                    .as("ack time of %s by %s", a.click().actionId(), a.click().user())
                    .isLessThan(SLACK_ACK_LIMIT);
              });
    } finally {
      pool.shutdownNow();
    }

    // Every click but the winning one is answered privately (already decided, or not an approver):
    // once all
    // 49 answers are out, every click has been handled.
    FakeSlack.soon(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(slack.calls("chat.postEphemeral")).hasSize(CLICKS - 1));
    FakeSlack.soon()
        .until(() -> finalOrActive(app.latchkey.database().requests().find(id).orElseThrow()));
    List<RecordedRequest> clusterCalls = quietCluster();
    return new Round(
        id,
        clicks,
        seqBefore,
        app.latchkey.database().requests().find(id).orElseThrow(),
        clusterCalls);
  }

  record Answer(Click click, int status, Duration took) {}

  private static boolean finalOrActive(AccessRequest r) {
    return r.state() == RequestState.ACTIVE || r.state().isFinal();
  }

  /** 45 clicks by the five approvers (25 approve, 20 deny), and 5 by people who may not decide. */
  private List<Click> clicks(RequestId id) {
    List<Click> out = new ArrayList<>();
    for (int i = 0; i < 45; i++) {
      String approver = APPROVERS.get(i % APPROVERS.size());
      String action = i % 9 < 5 ? "latchkey.approve" : "latchkey.deny";
      out.add(click(FakeSlack.CUSTOMER_TEAM, approver, action, id, true));
    }
    // Not listed; the requester themself (whatever workspace the payload names); a listed id whose
    // own workspace
    // is the vendor's (Slack Connect), even when the payload names the customer's.
    out.add(click(FakeSlack.CUSTOMER_TEAM, "U0BYSTANDER", "latchkey.approve", id, false));
    out.add(click(FakeSlack.CUSTOMER_TEAM, "U0BYSTANDER", "latchkey.deny", id, false));
    out.add(click(FakeSlack.CUSTOMER_TEAM, FakeSlack.ENGINEER, "latchkey.approve", id, false));
    out.add(click(FakeSlack.VENDOR_TEAM, VENDOR_LEAD, "latchkey.approve", id, false));
    out.add(click(FakeSlack.CUSTOMER_TEAM, VENDOR_LEAD, "latchkey.deny", id, false));
    Collections.shuffle(out, new java.util.Random(50));
    assertThat(out).hasSize(CLICKS);
    return out;
  }

  private Click click(String team, String user, String action, RequestId id, boolean mayDecide) {
    String body =
        FakeSlack.payloadForm(slack.clickPayload(team, user, action, id.value()).toString());
    return new Click(
        team, user, action, mayDecide, slack.signed(app.events(), body, FakeSlack.FORM));
  }

  private RequestId submitAndAwaitCard() throws Exception {
    HttpResponse<String> enable =
        slack.send(
            slack.signed(
                app.events(),
                slack.commandBody(
                    FakeSlack.CUSTOMER_TEAM, FakeSlack.ADMIN, "enable prod", "enable"),
                FakeSlack.FORM));
    assertThat(enable.statusCode()).isEqualTo(200);
    FakeSlack.soon().until(() -> !slack.responsesTo("enable").isEmpty());
    assertThat(slack.responsesTo("enable").getFirst().path("text").asText())
        .contains("now enabled");

    HttpResponse<String> submitted =
        slack.send(
            slack.signed(
                app.events(),
                slack.commandBody(
                    FakeSlack.VENDOR_TEAM,
                    FakeSlack.ENGINEER,
                    "request prod readonly 1h INC-50 fifty clicks",
                    "submit"),
                FakeSlack.FORM));
    assertThat(submitted.statusCode()).isEqualTo(200);
    FakeSlack.soon().until(() -> !slack.responsesTo("submit").isEmpty());
    Matcher m = REQUEST_ID.matcher(slack.responsesTo("submit").getFirst().path("text").asText());
    assertThat(m.find()).as("request id in the answer").isTrue();
    RequestId id = new RequestId(m.group());
    FakeSlack.soon()
        .untilAsserted(
            () -> {
              assertThat(app.latchkey.database().cards().find(id)).isPresent();
              assertThat(app.latchkey.database().cards().findOutOfDate(100)).doesNotContain(id);
            });
    assertThat(app.latchkey.database().requests().find(id).orElseThrow().state())
        .isEqualTo(RequestState.PENDING);
    return id;
  }

  /**
   * Takes what the mock API server records until it has had nothing new for longer than a timer
   * period.
   */
  private static List<RecordedRequest> quietCluster() throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(QUIET.toMillis(), TimeUnit.MILLISECONDS)) != null) {
      out.add(r);
    }
    return out;
  }

  /** Takes every request the mock API server recorded so far. */
  private static List<RecordedRequest> drainClusterRequests() throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      out.add(r);
    }
    return out;
  }
}
