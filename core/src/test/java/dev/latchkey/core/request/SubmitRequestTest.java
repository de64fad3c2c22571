package dev.latchkey.core.request;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static dev.latchkey.core.testing.Fixtures.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Scope;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.Refusals;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A support engineer asks for a role: what becomes a request, and what is refused. */
class SubmitRequestTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Test
  void createsAPendingRequestWithTheDefaultWindowAndTtl() {
    var outcome = rig.submit(PROD, "readonly", null, List.of(), "  INC-1 look at pods ");
    AccessRequest r = ((SubmitRequest.Result.Submitted) outcome).request();
    assertThat(r.state()).isEqualTo(RequestState.PENDING);
    assertThat(r.duration()).isEqualTo(Duration.ofHours(8));
    assertThat(r.pendingExpiresAt()).isEqualTo(rig.clock.instant().plus(Duration.ofHours(2)));
    assertThat(r.reason()).isEqualTo("INC-1 look at pods");
    assertThat(r.scope()).isEqualTo(Scope.CLUSTER);
    assertThat(r.credentials()).isEqualTo(CredentialMode.TOKEN);
    assertThat(r.id().value()).matches("ar-[0-9a-z]{8}");
    assertThat(rig.audit.actions(r.id())).containsExactly(AuditAction.REQUEST_SUBMITTED);
    assertThat(rig.notifier.kinds()).contains("request.submitted");
  }

  @Test
  void defaultWindowIsCutToARoleMaximumBelowEightHours() {
    AccessRequest r =
        ((SubmitRequest.Result.Submitted) rig.submit(PROD, "operator", null, List.of(), "x"))
            .request();
    assertThat(r.duration()).isEqualTo(Duration.ofHours(4));
  }

  @Test
  void refusesWhatTheRulesForbidAndAuditsIt() {
    assertThat(
            Refusals.reason(
                rig.submit(
                    new ClusterRef(Fixtures.ACME, "nope"), "readonly", "1h", List.of(), "x")))
        .isEqualTo(Refusal.Reason.UNKNOWN_CLUSTER);
    assertThat(Refusals.reason(rig.submit(PROD, "root", "1h", List.of(), "x")))
        .isEqualTo(Refusal.Reason.UNKNOWN_ROLE);
    assertThat(Refusals.reason(rig.submit(PROD, "readonly", "1h", List.of(), "   ")))
        .isEqualTo(Refusal.Reason.MISSING_REASON);
    assertThat(Refusals.reason(rig.submit(PROD, "readonly", "1h", List.of(), "x".repeat(501))))
        .isEqualTo(Refusal.Reason.REASON_TOO_LONG);
    assertThat(rig.submit(PROD, "readonly", "1h", List.of(), "x".repeat(500)))
        .isInstanceOf(SubmitRequest.Result.Submitted.class);
    assertThat(Refusals.reason(rig.submit(PROD, "operator", "5h", List.of(), "x")))
        .isEqualTo(Refusal.Reason.DURATION_ABOVE_MAXIMUM);
    assertThat(Refusals.reason(rig.submit(PROD, "readonly", "9m", List.of(), "x")))
        .isEqualTo(Refusal.Reason.DURATION_TOO_SHORT);
    assertThat(Refusals.reason(rig.submit(STAGING, "readonly", "1h", List.of("kube-system"), "x")))
        .isEqualTo(Refusal.Reason.NAMESPACE_NOT_ALLOWED);
    assertThat(Refusals.reason(rig.submit(PROD, "readonly", "1h", List.of("Bad_NS"), "x")))
        .isEqualTo(Refusal.Reason.INVALID_NAMESPACE);
    assertThat(rig.audit.count(AuditAction.REQUEST_REFUSED)).isEqualTo(8);
  }

  @Test
  void externalModeAllowsShortWindowsAndNamespaces() {
    var outcome = rig.submit(STAGING, "readonly", "5m", List.of("web", "db"), "x");
    AccessRequest r = ((SubmitRequest.Result.Submitted) outcome).request();
    assertThat(r.scope()).isEqualTo(new Scope.Namespaces(List.of("db", "web")));
    assertThat(r.credentials()).isEqualTo(CredentialMode.EXTERNAL);
  }

  @Test
  void disabledClusterOrRoleRefusesNewRequests() {
    TestRig fresh = new TestRig();
    var disabled =
        fresh.core.submit().submit(fresh.submission(PROD, "readonly", Optional.empty(), List.of()));
    assertThat(Refusals.reason(disabled)).isEqualTo(Refusal.Reason.CLUSTER_DISABLED);
    fresh.core.enable().enable(PROD, ADMIN, Set.of());
    var notEnabled =
        fresh.core.submit().submit(fresh.submission(PROD, "admin", Optional.empty(), List.of()));
    assertThat(Refusals.reason(notEnabled)).isEqualTo(Refusal.Reason.ROLE_NOT_ENABLED);
  }
}
