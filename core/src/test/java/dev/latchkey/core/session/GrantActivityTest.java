package dev.latchkey.core.session;

import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.FOREIGN_APPROVER;
import static dev.latchkey.core.testing.Fixtures.GROUP_APPROVER;
import static dev.latchkey.core.testing.Fixtures.OTHER_ENGINEER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.request.ExtendAccess;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.SessionRig;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who may see a grant's activity, and what it shows: sessions newest first, requests counted. */
class GrantActivityTest {
  private final SessionRig s = new SessionRig();
  private final AccessRequest r = s.rig.active();

  private GrantActivity.Result asked(Actor.SlackUser who) {
    return s.use.activity().activity(Fixtures.ACME, r.id(), who);
  }

  @Test
  void theRequesterAndTheCustomersApproversSeeSessionsNewestFirstAndRequestsCounted() {
    StreamSession first = s.exec(r, "web", "api-7f", "sh");
    s.end(first, SessionEnd.Cause.CLIENT_CLOSED, SessionRig.cast("ls"));
    s.rig.clock.advance(Duration.ofMinutes(5));
    StreamSession second = s.exec(r, "web", "api-7f", "cat", "/etc/hosts");
    s.log(
        s.line(r, "get", "pods", Optional.empty(), 200, Optional.empty()),
        s.line(r, "get", "pods", Optional.empty(), 200, Optional.empty()),
        s.line(r, "get", "secrets", Optional.empty(), 403, Optional.empty()),
        s.line(r, "create", "pods", Optional.of("exec"), 403, Optional.of("protected namespace")),
        s.line(r, "create", "pods", Optional.of("exec"), 101, Optional.empty()));

    for (Actor.SlackUser who : java.util.List.of(ENGINEER, APPROVER, GROUP_APPROVER)) {
      GrantActivity.Activity a = ((GrantActivity.Result.Shown) asked(who)).activity();
      assertThat(a.sessions())
          .extracting(x -> x.session().id())
          .containsExactly(second.id(), first.id());
      assertThat(a.sessions().getFirst().end()).isEmpty();
      assertThat(a.sessions().getLast().end()).isPresent();
      assertThat(a.requests().total()).isEqualTo(5);
      assertThat(a.requests().refused()).isEqualTo(2);
      assertThat(a.requests().byWhat())
          .containsExactly(
              new RequestTotals.RequestCount("get", "pods", 2, 0, 0),
              new RequestTotals.RequestCount("create", "pods/exec", 2, 1, 0),
              new RequestTotals.RequestCount("get", "secrets", 1, 0, 1));
      assertThat(a.viewer())
          .isEqualTo(
              who.equals(ENGINEER)
                  ? GrantActivity.Viewer.REQUESTER
                  : GrantActivity.Viewer.APPROVER);
    }
    assertThat(s.rig.audit.count(AuditAction.ACTIVITY_REFUSED)).isZero();
  }

  @Test
  void anyoneElseIsRefusedAndTheRefusalAudited() {
    for (Actor.SlackUser who :
        java.util.List.of(OTHER_ENGINEER, Fixtures.BYSTANDER, FOREIGN_APPROVER, Fixtures.ADMIN)) {
      assertThat(asked(who))
          .as(who.toString())
          .isInstanceOfSatisfying(
              GrantActivity.Result.Refused.class,
              x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.NOT_ALLOWED));
    }
    assertThat(s.rig.audit.all())
        .filteredOn(e -> e.action() == AuditAction.ACTIVITY_REFUSED)
        .hasSize(4)
        .allSatisfy(
            e -> {
              assertThat(e.result()).isEqualTo(AuditResult.REFUSED);
              assertThat(e.requestId()).contains(r.id());
            })
        .extracting(e -> e.details().get("reason"))
        .containsExactly("FOREIGN_WORKSPACE", "NOT_APPROVER", "FOREIGN_WORKSPACE", "NOT_APPROVER");
  }

  @Test
  void aSecondAccountOfTheRequesterNeedsTheApproverRoleAndStillSeesAsTheRequester() {
    Actor.SlackUser second =
        new Actor.SlackUser(
            Fixtures.CUSTOMER_TEAM, "U0APPROVER2", Optional.of("alice@vendor.example"));
    GrantActivity.Activity a = ((GrantActivity.Result.Shown) asked(second)).activity();
    assertThat(a.viewer()).isEqualTo(GrantActivity.Viewer.REQUESTER);
    assertThat(a.viewer().receivesRecordings()).isFalse();

    Actor.SlackUser notApprover =
        new Actor.SlackUser(Fixtures.VENDOR_TEAM, "U0ALICE2", Optional.of("alice@vendor.example"));
    assertThat(asked(notApprover)).isInstanceOf(GrantActivity.Result.Refused.class);
  }

  @Test
  void whenSlackCannotSayWhoApprovesItSaysSoAndChangesNothing() {
    s.rig.directory.setReachable(false);
    assertThat(asked(GROUP_APPROVER))
        .isInstanceOfSatisfying(
            GrantActivity.Result.Refused.class,
            x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.APPROVER_UNVERIFIED));
    assertThat(asked(APPROVER)).isInstanceOf(GrantActivity.Result.Shown.class);
  }

  @Test
  void anotherCustomersRequestIsNotFoundWhateverTheId() {
    assertThat(s.use.activity().activity(new CustomerId("globex"), r.id(), APPROVER))
        .isEqualTo(new GrantActivity.Result.NotFound(r.id().value()));
    assertThat(s.rig.audit.count(AuditAction.ACTIVITY_REFUSED)).isZero();
  }

  @Test
  void anExtensionsIdShowsTheActivityOfTheAccessItExtends() {
    StreamSession open = s.exec(r, "web", "api-7f", "sh");
    var extension =
        ((ExtendAccess.Result.Requested)
                s.rig.core.extend().extend(r.id(), ENGINEER, Duration.ofMinutes(30)))
            .extension();
    GrantActivity.Activity a =
        ((GrantActivity.Result.Shown)
                s.use.activity().activity(Fixtures.ACME, extension.id(), APPROVER))
            .activity();
    assertThat(a.request().id()).isEqualTo(r.id());
    assertThat(a.sessions()).extracting(x -> x.session().id()).containsExactly(open.id());
  }
}
