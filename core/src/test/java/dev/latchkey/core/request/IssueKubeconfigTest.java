package dev.latchkey.core.request;

import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static dev.latchkey.core.testing.Fixtures.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Handing out kubeconfigs whose tokens never outlive the grant. */
class IssueKubeconfigTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Test
  void onlyTheRequesterGetsAKubeconfigAndNeverInTheLastTenMinutes() {
    AccessRequest r = rig.active();
    assertThat(core.kubeconfig().issue(r.id(), APPROVER))
        .isInstanceOf(IssueKubeconfig.Result.Refused.class);
    var issued = core.kubeconfig().issue(r.id(), ENGINEER);
    assertThat(issued).isInstanceOf(IssueKubeconfig.Result.Issued.class);
    assertThat(((IssueKubeconfig.Result.Issued) issued).kubeconfig().toString())
        .doesNotContain("token for");
    rig.clock.set(r.expiresAt().orElseThrow().minus(Duration.ofMinutes(10)).plusNanos(1));
    var late = core.kubeconfig().issue(r.id(), ENGINEER);
    assertThat(((IssueKubeconfig.Result.Refused) late).refusal().reason())
        .isEqualTo(Refusal.Reason.TOO_CLOSE_TO_EXPIRY);
    assertThat(rig.audit.actions(r.id()))
        .contains(AuditAction.CREDENTIAL_ISSUED, AuditAction.CREDENTIAL_REFUSED);
    assertThat(rig.audit.forRequest(r.id()).stream().map(e -> e.event().details().toString()))
        .noneMatch(d -> d.contains("token for"));
  }

  @Test
  void anExtensionsIdLeadsToTheAccessItExtends() {
    AccessRequest r = rig.active();
    AccessRequest extension =
        ((ExtendAccess.Result.Requested)
                core.extend().extend(r.id(), ENGINEER, Duration.ofHours(2)))
            .extension();
    core.decide().decide(Decision.click(extension.id(), APPROVER, Decision.Verdict.APPROVE));

    var issued = core.kubeconfig().issue(extension.id(), ENGINEER);

    assertThat(issued)
        .isInstanceOfSatisfying(
            IssueKubeconfig.Result.Issued.class,
            x -> {
              assertThat(x.request().id()).isEqualTo(r.id());
              assertThat(x.kubeconfig().tokenExpiresAt())
                  .isEqualTo(r.expiresAt().orElseThrow().plus(Duration.ofHours(2)));
            });
    assertThat(rig.audit.actions(r.id())).contains(AuditAction.CREDENTIAL_ISSUED);
    // The rules are the original's: only its requester, only while it is active.
    assertThat(core.kubeconfig().issue(extension.id(), APPROVER))
        .isInstanceOfSatisfying(
            IssueKubeconfig.Result.Refused.class,
            x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.NOT_REQUESTER));
    core.revoke().revoke(r.id(), ENGINEER);
    assertThat(core.kubeconfig().issue(extension.id(), ENGINEER))
        .isInstanceOfSatisfying(
            IssueKubeconfig.Result.Refused.class,
            x -> {
              assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.NOT_ACTIVE);
              assertThat(x.refusal().fact(Refusal.Fact.REQUEST)).contains(r.id().value());
            });
  }

  @Test
  void externalModeHasNoKubeconfig() {
    AccessRequest r =
        ((SubmitRequest.Result.Submitted)
                rig.submit(STAGING, "readonly", "1h", List.of("web"), "x"))
            .request();
    core.decide().decide(Decision.click(r.id(), APPROVER, Decision.Verdict.APPROVE));
    var outcome = core.kubeconfig().issue(r.id(), ENGINEER);
    assertThat(((IssueKubeconfig.Result.Refused) outcome).refusal().reason())
        .isEqualTo(Refusal.Reason.NOT_TOKEN_MODE);
  }

  @Nested
  class Edges {
    @Test
    void noKubeconfigWhenTheTokenCouldOutliveTheGrantByItsOwnHandOut() {
      AccessRequest r = rig.active();
      rig.clock.set(r.expiresAt().orElseThrow().minus(Duration.ofMinutes(10)).minusSeconds(29));

      var late = core.kubeconfig().issue(r.id(), ENGINEER);

      assertThat(late)
          .isInstanceOfSatisfying(
              IssueKubeconfig.Result.Refused.class,
              x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.TOO_CLOSE_TO_EXPIRY));
      rig.clock.set(r.expiresAt().orElseThrow().minus(Duration.ofMinutes(10)).minusSeconds(31));
      assertThat(core.kubeconfig().issue(r.id(), ENGINEER))
          .isInstanceOf(IssueKubeconfig.Result.Issued.class);
    }

    @Test
    void aTokenModeGrantIsLongEnoughToFetchAKubeconfig() {
      var tooShort =
          core.submit()
              .submit(
                  rig.submission(PROD, "readonly", Optional.of(Duration.ofMinutes(14)), List.of()));
      assertThat(tooShort)
          .isInstanceOfSatisfying(
              SubmitRequest.Result.Refused.class,
              x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.DURATION_TOO_SHORT));
      assertThat(
              core.submit()
                  .submit(
                      rig.submission(
                          PROD, "readonly", Optional.of(Duration.ofMinutes(15)), List.of())))
          .isInstanceOf(SubmitRequest.Result.Submitted.class);
    }
  }
}
