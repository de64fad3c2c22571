package dev.latchkey.core.session;

import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.FOREIGN_APPROVER;
import static dev.latchkey.core.testing.Fixtures.GROUP_APPROVER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.SessionRig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Recordings go only to the customer's approvers, privately, checked and audited. */
class SendRecordingTest {
  private final SessionRig s = new SessionRig();
  private final AccessRequest r = s.rig.active();
  private final byte[] cast = SessionRig.cast("cat /etc/passwd", "exit");

  private SendRecording.Result asked(SessionId id, Actor.SlackUser who) {
    return s.use.recording().send(Fixtures.ACME, id, who);
  }

  private Refusal.Reason refusedFor(SessionId id, Actor.SlackUser who) {
    SendRecording.Result result = asked(id, who);
    assertThat(result).as(who + " " + id).isInstanceOf(SendRecording.Result.Refused.class);
    Refusal refusal = ((SendRecording.Result.Refused) result).refusal();
    assertThat(refusal.fact(Refusal.Fact.SESSION)).contains(id.value());
    return refusal.reason();
  }

  private List<AuditEvent> events(AuditAction action) {
    return s.rig.audit.all().stream().filter(e -> e.action() == action).toList();
  }

  @Test
  void anApproverGetsTheRecordingPrivatelyWithTheHashOfItsEnd() {
    StreamSession session = s.exec(r, "web", "api-7f", "sh");
    SessionEnd end = s.end(session, SessionEnd.Cause.CLIENT_CLOSED, cast);

    SendRecording.Result result = asked(session.id(), GROUP_APPROVER);

    assertThat(result).isInstanceOf(SendRecording.Result.Sent.class);
    assertThat(s.delivery.delivered())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.recipient()).isEqualTo(GROUP_APPROVER);
              assertThat(d.recording().cast()).isEqualTo(cast);
              assertThat(d.recording().fileName()).isEqualTo(session.id().value() + ".cast");
              assertThat(d.recording().sha256()).isEqualTo(end.recordingSha256().orElseThrow());
            });
    AuditEvent ended = events(AuditAction.SESSION_ENDED).getFirst();
    assertThat(events(AuditAction.RECORDING_SENT))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.actor()).isEqualTo(GROUP_APPROVER);
              assertThat(e.result()).isEqualTo(AuditResult.OK);
              assertThat(e.requestId()).contains(r.id());
              assertThat(e.details())
                  .containsEntry("session", session.id().value())
                  .containsEntry("recipient", GROUP_APPROVER.audit())
                  .containsEntry("delivered_to", "D0U0GROUPMEMBER")
                  .containsEntry("recording_bytes", Integer.toString(cast.length))
                  .containsEntry("recording_sha256", ended.details().get("recording_sha256"));
            });
  }

  @Test
  void theRequesterAnotherCustomersOrWorkspacesPeopleAndBystandersGetNothing() {
    StreamSession session = s.exec(r, "web", "api-7f", "sh");
    s.end(session, SessionEnd.Cause.CLIENT_CLOSED, cast);
    Actor.SlackUser secondAccount =
        new Actor.SlackUser(
            Fixtures.CUSTOMER_TEAM, "U0APPROVER2", Optional.of("alice@vendor.example"));

    assertThat(refusedFor(session.id(), ENGINEER)).isEqualTo(Refusal.Reason.OWN_SESSION);
    assertThat(refusedFor(session.id(), secondAccount)).isEqualTo(Refusal.Reason.OWN_SESSION);
    assertThat(refusedFor(session.id(), Fixtures.BYSTANDER)).isEqualTo(Refusal.Reason.NOT_APPROVER);
    assertThat(refusedFor(session.id(), Fixtures.ADMIN)).isEqualTo(Refusal.Reason.NOT_APPROVER);
    assertThat(refusedFor(session.id(), FOREIGN_APPROVER))
        .isEqualTo(Refusal.Reason.FOREIGN_WORKSPACE);
    s.rig.directory.setReachable(false);
    assertThat(refusedFor(session.id(), GROUP_APPROVER))
        .isEqualTo(Refusal.Reason.APPROVER_UNVERIFIED);
    // Another customer's approver in another customer's channel: no such session there.
    assertThat(s.use.recording().send(new CustomerId("globex"), session.id(), APPROVER))
        .isEqualTo(new SendRecording.Result.NotFound(session.id().value()));

    assertThat(s.delivery.delivered()).isEmpty();
    assertThat(events(AuditAction.RECORDING_SENT)).isEmpty();
    assertThat(events(AuditAction.RECORDING_REFUSED))
        .hasSize(6)
        .allSatisfy(
            e -> {
              assertThat(e.result()).isEqualTo(AuditResult.REFUSED);
              assertThat(e.details()).containsEntry("session", session.id().value());
            })
        .extracting(e -> e.details().get("reason"))
        .containsExactly(
            "OWN_SESSION",
            "OWN_SESSION",
            "NOT_APPROVER",
            "NOT_APPROVER",
            "FOREIGN_WORKSPACE",
            "APPROVER_UNVERIFIED");
  }

  @Test
  void anOpenSessionAPortForwardAndAnUnknownIdHaveNoRecordingToSend() {
    StreamSession open = s.exec(r, "web", "api-7f", "sh");
    StreamSession forward =
        s.open(r, StreamKind.PORT_FORWARD, "web", "db-0", Optional.empty(), List.of(), false);
    s.end(forward, SessionEnd.Cause.CLIENT_CLOSED, new byte[0]);

    assertThat(refusedFor(open.id(), APPROVER)).isEqualTo(Refusal.Reason.SESSION_OPEN);
    assertThat(refusedFor(forward.id(), APPROVER)).isEqualTo(Refusal.Reason.NOT_RECORDED);
    SessionId unknown = new SessionId("gs-000000000000");
    assertThat(asked(unknown, APPROVER))
        .isEqualTo(new SendRecording.Result.NotFound(unknown.value()));
    assertThat(s.delivery.delivered()).isEmpty();
    assertThat(events(AuditAction.RECORDING_REFUSED)).hasSize(2);
  }

  @Test
  void aRecordingChangedSinceItsSessionEndedIsNotSent() {
    StreamSession session = s.exec(r, "web", "api-7f", "sh");
    s.end(session, SessionEnd.Cause.CLIENT_CLOSED, cast);
    s.sessions.tamper(
        session.id(),
        new String(cast, StandardCharsets.UTF_8)
            .replace("passwd", "hosts")
            .getBytes(StandardCharsets.UTF_8));

    assertThat(refusedFor(session.id(), APPROVER)).isEqualTo(Refusal.Reason.RECORDING_ALTERED);
    assertThat(s.delivery.delivered()).isEmpty();
    assertThat(events(AuditAction.RECORDING_REFUSED))
        .singleElement()
        .satisfies(e -> assertThat(e.result()).isEqualTo(AuditResult.FAILED));
  }

  @Test
  void aFailedDeliveryIsAuditedAsFailedAndSaidSo() {
    StreamSession session = s.exec(r, "web", "api-7f", "sh");
    s.end(session, SessionEnd.Cause.REVOKED, cast);
    s.delivery.failWith("cannot_dm_bot");

    assertThat(asked(session.id(), APPROVER))
        .isInstanceOfSatisfying(
            SendRecording.Result.NotDelivered.class,
            x -> assertThat(x.error()).isEqualTo("cannot_dm_bot"));
    assertThat(events(AuditAction.RECORDING_SENT))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.result()).isEqualTo(AuditResult.FAILED);
              assertThat(e.details()).containsEntry("error", "cannot_dm_bot");
            });
  }
}
