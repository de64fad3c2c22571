package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A person is their Slack user id: the workspace an adapter records with them can differ between
 * the ways they reach Latchkey (and in a Slack Connect channel may be the installing workspace), so
 * it must never make the requester, or an approver who already approved, count as someone else.
 */
class IdentityByUserIdTest {

  @Test
  void requesterIsRecognisedWhateverWorkspaceIsRecordedWithThem() {
    Requester requester =
        new Requester(new Actor.SlackUser("T0CUSTOMER", "U0ALICE"), Optional.empty());

    assertThat(requester.is(new Actor.SlackUser("T0CUSTOMER", "U0ALICE"))).isTrue();
    assertThat(requester.is(new Actor.SlackUser("T0OTHER", "U0ALICE"))).isTrue();
    assertThat(requester.is(new Actor.SlackUser("E0ORG", "U0ALICE"))).isTrue();
    assertThat(requester.is(new Actor.SlackUser("T0CUSTOMER", "U0BOB"))).isFalse();
    assertThat(requester.is(Actor.SYSTEM)).isFalse();
  }

  @Test
  void requesterWhoIsAnApproverCannotApproveUnderAnotherWorkspaceId() {
    // The customer's own engineer, also its approver, asked from a command that recorded the
    // installing
    // workspace; their click carries their own workspace.
    Customer acme = Fixtures.acme();
    Customer customer =
        new Customer(
            acme.id(),
            acme.teamId(),
            acme.channelId(),
            Set.of("U0ALICE"),
            Optional.empty(),
            Set.of("U0ALICE"),
            acme.clusters());
    TestRig rig = new TestRig(Customers.of(List.of(customer)));
    Actor.SlackUser asRequested = new Actor.SlackUser("T0INSTALLED", "U0ALICE");
    Actor.SlackUser asClicking = new Actor.SlackUser(acme.teamId(), "U0ALICE");
    rig.core.enable().enable(Fixtures.PROD, asClicking, Set.of("readonly"));
    var submitted =
        rig.core
            .submit()
            .submit(
                new Submission(
                    acme.id(),
                    "prod",
                    "readonly",
                    Optional.of(java.time.Duration.ofHours(1)),
                    List.of(),
                    new Requester(asRequested, Optional.empty()),
                    "checking my own change"));
    AccessRequest pending = ((SubmitRequest.Result.Submitted) submitted).request();

    var outcome =
        rig.core
            .decide()
            .decide(Decision.click(pending.id(), asClicking, Decision.Verdict.APPROVE));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            DecideRequest.Result.Refused.class,
            r -> assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.SELF_APPROVAL));
    assertThat(rig.get(pending.id()).state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  void oneApproverCountsOnceWhateverWorkspaceIsRecordedWithThem() {
    TestRig rig = new TestRig().enabled();
    AccessRequest pending = rig.pending("admin");

    rig.core
        .decide()
        .decide(Decision.click(pending.id(), Fixtures.APPROVER, Decision.Verdict.APPROVE));
    AccessRequest once = rig.get(pending.id());

    assertThat(once.approvedBy(new Actor.SlackUser("E0ORG", Fixtures.APPROVER.userId()))).isTrue();
    assertThat(once.approvedBy(Fixtures.APPROVER_2)).isFalse();
  }
}
