package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.request.CancelRequest;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A person with a second Slack account (the same email in Slack's directory) in the approver group
 * cannot approve their own request through it; the email changes nothing else.
 */
class SecondAccountTest {
  private final TestRig rig = new TestRig().enabled();

  /** Fixtures.REQUESTER is Alice@Vendor.example; this approver account is hers too. */
  private static final Actor.SlackUser ALICES_APPROVER_ACCOUNT =
      new Actor.SlackUser(
          Fixtures.CUSTOMER_TEAM,
          Fixtures.APPROVER_2.userId(),
          Optional.of(" alice@VENDOR.example "));

  @Test
  void aSecondAccountWithTheRequestersEmailCannotDecide() {
    AccessRequest pending = rig.pending();

    var approve =
        rig.core
            .decide()
            .decide(
                Decision.click(pending.id(), ALICES_APPROVER_ACCOUNT, Decision.Verdict.APPROVE));
    var deny =
        rig.core
            .decide()
            .decide(Decision.click(pending.id(), ALICES_APPROVER_ACCOUNT, Decision.Verdict.DENY));

    for (var outcome : java.util.List.of(approve, deny)) {
      assertThat(outcome)
          .isInstanceOfSatisfying(
              DecideRequest.Result.Refused.class,
              r -> {
                assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.SELF_APPROVAL);
              });
    }
    assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(rig.audit.all())
        .filteredOn(e -> e.action() == AuditAction.DECISION_REFUSED)
        .hasSize(2)
        .allSatisfy(e -> assertThat(e.details()).containsEntry("reason", "SELF_APPROVAL"));
  }

  @Test
  void anApproverWithAnotherEmailOrNoneShownDecides() {
    AccessRequest first = rig.pending();
    AccessRequest second = rig.pending();

    Actor.SlackUser bob =
        new Actor.SlackUser(
            Fixtures.CUSTOMER_TEAM,
            Fixtures.APPROVER.userId(),
            Optional.of("bob@customer.example"));
    assertThat(rig.core.decide().decide(Decision.click(first.id(), bob, Decision.Verdict.APPROVE)))
        .isInstanceOf(DecideRequest.Result.Approved.class);
    // Slack's directory shows no email: compared by user id alone, as before.
    assertThat(
            rig.core
                .decide()
                .decide(
                    new Decision(
                        second.id(),
                        Fixtures.APPROVER_3,
                        Decision.Verdict.APPROVE,
                        DecisionMethod.THREAD_REPLY,
                        Map.of(),
                        Optional.empty(),
                        Optional.empty())))
        .isInstanceOf(DecideRequest.Result.Approved.class);
  }

  @Test
  void theEmailGivesTheSecondAccountNoneOfTheRequestersOwnPowers() {
    AccessRequest pending = rig.pending();

    assertThat(rig.core.cancel().cancel(pending.id(), ALICES_APPROVER_ACCOUNT))
        .isInstanceOfSatisfying(
            CancelRequest.Result.Refused.class,
            r -> assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.NOT_REQUESTER));
    assertThat(Fixtures.REQUESTER.is(ALICES_APPROVER_ACCOUNT)).isFalse();
    assertThat(Fixtures.REQUESTER.isSamePerson(ALICES_APPROVER_ACCOUNT)).isTrue();
  }

  @Test
  void aRequesterWhoseEmailIsHiddenIsComparedByUserId() {
    Requester hidden = new Requester(Fixtures.ENGINEER, Optional.empty());
    assertThat(hidden.isSamePerson(ALICES_APPROVER_ACCOUNT)).isFalse();
    assertThat(
            hidden.isSamePerson(
                new Actor.SlackUser("T0OTHER", Fixtures.ENGINEER.userId(), Optional.empty())))
        .isTrue();
  }

  @Test
  void theEmailIsNotPartOfWhoSomeoneIs() {
    Actor.SlackUser withEmail =
        new Actor.SlackUser(
            Fixtures.CUSTOMER_TEAM, Fixtures.APPROVER_2.userId(), Optional.of("a@b.example"));
    assertThat(withEmail).isEqualTo(Fixtures.APPROVER_2).hasSameHashCodeAs(Fixtures.APPROVER_2);
    assertThat(withEmail.audit()).isEqualTo(Fixtures.APPROVER_2.audit());
    assertThat(withEmail.toString()).doesNotContain("a@b.example");
    assertThat(new Actor.SlackUser("T0X", "U0X", Optional.of("  ")).email()).isEmpty();
  }
}
