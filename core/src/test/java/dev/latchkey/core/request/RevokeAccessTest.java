package dev.latchkey.core.request;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.BYSTANDER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.OTHER_ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.DisableSupportAccess;
import dev.latchkey.core.testing.Refusals;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Ending access now, by the requester or an approver. */
class RevokeAccessTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Test
  void requesterOrApproverRevokesOthersDoNot() {
    AccessRequest r = rig.active();
    assertThat(Refusals.reason(core.revoke().revoke(r.id(), OTHER_ENGINEER)))
        .isEqualTo(Refusal.Reason.NOT_ALLOWED);
    assertThat(Refusals.reason(core.revoke().revoke(r.id(), BYSTANDER)))
        .isEqualTo(Refusal.Reason.NOT_ALLOWED);
    var revoked = core.revoke().revoke(r.id(), APPROVER);
    assertThat(((RevokeAccess.Result.Revoked) revoked).request().state())
        .isEqualTo(RequestState.REVOKED);
    assertThat(rig.cluster.holds(r.id())).isFalse();
    assertThat(core.revoke().revoke(r.id(), ENGINEER))
        .isInstanceOf(RevokeAccess.Result.AlreadyEnded.class);
  }

  @Test
  void anExtensionIsNotAccessOfItsOwnAndItsRefusalNamesTheAccess() {
    AccessRequest r = rig.active();
    AccessRequest extension =
        ((ExtendAccess.Result.Requested)
                core.extend().extend(r.id(), ENGINEER, Duration.ofHours(1)))
            .extension();

    for (var outcome :
        List.of(
            core.revoke().revoke(extension.id(), ENGINEER),
            core.extend().extend(extension.id(), ENGINEER, Duration.ofHours(1)))) {
      Refusal refusal =
          switch (outcome) {
            case RevokeAccess.Result.Refused x -> x.refusal();
            case ExtendAccess.Result.Refused x -> x.refusal();
            default -> throw new AssertionError(outcome);
          };
      assertThat(refusal.reason()).isEqualTo(Refusal.Reason.NOT_ACTIVE);
      assertThat(refusal.fact(Refusal.Fact.EXTENDS)).contains(r.id().value());
      assertThat(refusal.fact(Refusal.Fact.REQUEST)).contains(extension.id().value());
    }
    assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE);
  }

  @Test
  void disableNowRevokesEveryGrantOnTheCluster() {
    AccessRequest a = rig.active();
    AccessRequest b = rig.active();
    var outcome = core.disable().disable(PROD, ADMIN, true);
    assertThat(((DisableSupportAccess.Result.Disabled) outcome).revoked())
        .extracting(AccessRequest::id)
        .containsExactlyInAnyOrder(a.id(), b.id());
    assertThat(rig.cluster.holds(a.id())).isFalse();
    assertThat(rig.cluster.holds(b.id())).isFalse();
    assertThat(
            Refusals.reason(
                core.submit()
                    .submit(rig.submission(PROD, "readonly", Optional.empty(), List.of()))))
        .isEqualTo(Refusal.Reason.CLUSTER_DISABLED);
  }
}
