package dev.latchkey.core.request;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.APPROVER_2;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.OTHER_ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.RoleDefinition;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.ForwardingClusterAccess;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.Policies;
import dev.latchkey.core.testing.Refusals;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Asking for more time, and extensions decided or applied late. */
class ExtendAccessTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Test
  void anApprovedExtensionMovesTheEnd() {
    AccessRequest r = rig.active();
    Instant end = r.expiresAt().orElseThrow();
    var outcome = core.extend().extend(r.id(), ENGINEER, Duration.ofHours(2));
    AccessRequest extension = ((ExtendAccess.Result.Requested) outcome).extension();
    assertThat(extension.kind()).isEqualTo(RequestKind.EXTENSION);
    assertThat(Refusals.reason(core.extend().extend(r.id(), ENGINEER, Duration.ofHours(1))))
        .isEqualTo(Refusal.Reason.EXTENSION_PENDING);
    assertThat(
            core.decide()
                .decide(Decision.click(extension.id(), APPROVER, Decision.Verdict.APPROVE)))
        .isInstanceOf(DecideRequest.Result.Approved.class);
    assertThat(rig.get(r.id()).expiresAt()).contains(end.plus(Duration.ofHours(2)));
    assertThat(rig.get(extension.id()).isOpen()).isFalse();
    assertThat(rig.get(extension.id()).dueAt()).isEmpty();
    rig.clock.set(end);
    core.due().runAll();
    assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.ACTIVE);
  }

  @Test
  void anExtensionBeyondTheRoleMaximumFromNowIsRefusedNotCut() {
    AccessRequest r = rig.active(); // 1 h of readonly, maximum 8 h
    assertThat(
            Refusals.reason(
                core.extend().extend(r.id(), ENGINEER, Duration.ofHours(7).plusMinutes(1))))
        .isEqualTo(Refusal.Reason.DURATION_ABOVE_MAXIMUM);
    assertThat(core.extend().extend(r.id(), ENGINEER, Duration.ofHours(7)))
        .isInstanceOf(ExtendAccess.Result.Requested.class);
    assertThat(Refusals.reason(core.extend().extend(r.id(), OTHER_ENGINEER, Duration.ofHours(1))))
        .isEqualTo(Refusal.Reason.NOT_REQUESTER);
  }

  @Nested
  class ExtensionsAndSwitchesDecidedLate {
    private AccessRequest extensionOf(AccessRequest r, Duration more) {
      return ((ExtendAccess.Result.Requested) core.extend().extend(r.id(), ENGINEER, more))
          .extension();
    }

    @Test
    void anExtensionApprovalReadBackAfterTheOriginalEndedDoesNotReviveIt() {
      AccessRequest r = rig.active();
      Instant end = r.expiresAt().orElseThrow();
      rig.clock.advance(Duration.ofMinutes(40));
      AccessRequest extension = extensionOf(r, Duration.ofHours(2));
      Instant written = rig.clock.instant().plus(Duration.ofMinutes(10)); // before the end
      rig.clock.set(
          end.plus(Duration.ofMinutes(20))); // read back at start-up, before the timers ran

      var outcome =
          core.decide()
              .decide(
                  new Decision(
                      extension.id(),
                      APPROVER,
                      Decision.Verdict.APPROVE,
                      DecisionMethod.THREAD_REPLY,
                      Map.of(),
                      Optional.of(written),
                      Optional.empty()));

      assertThat(outcome)
          .isInstanceOfSatisfying(
              DecideRequest.Result.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason()).isEqualTo(Refusal.Reason.NOT_ACTIVE));
      assertThat(rig.get(r.id()).expiresAt()).contains(end);
      assertThat(core.kubeconfig().issue(r.id(), ENGINEER))
          .isNotInstanceOf(IssueKubeconfig.Result.Issued.class);
    }

    @Test
    void anApprovedExtensionAppliedAfterTheOriginalEndedFails() {
      AccessRequest r = rig.active();
      Instant end = r.expiresAt().orElseThrow();
      AccessRequest extension = extensionOf(r, Duration.ofHours(2));
      // Approved in the records, then the approver's process stopped before applying it.
      AccessRequest approved =
          extension
              .withState(RequestState.APPROVED)
              .withDecision(rig.clock.instant(), APPROVER)
              .withExpiresAt(end.plus(Duration.ofHours(2)))
              .withRetry(0, Optional.of(rig.clock.instant()));
      rig.requests.update(extension, approved, List.of());
      rig.clock.set(end.plusSeconds(1));

      core.due().handle(rig.get(extension.id()), true);

      assertThat(rig.get(extension.id()).state()).isEqualTo(RequestState.FAILED);
      assertThat(rig.get(r.id()).expiresAt()).contains(end);
    }

    @Test
    void aDisableBetweenAnExtensionsApprovalAndItsApplicationIsNotOutrun() {
      AccessRequest r = rig.active();
      Instant end = r.expiresAt().orElseThrow();
      AccessRequest extension = extensionOf(r, Duration.ofHours(2));
      Notifier racing =
          new Notifier() {
            @Override
            public void requestChanged(AccessRequest request, AuditEvent cause) {
              rig.notifier.requestChanged(request, cause);
              if (cause.action() == AuditAction.REQUEST_APPROVED) {
                core.disable()
                    .disable(
                        PROD, ADMIN, false); // after the approval's commit, before the end moves
              }
            }

            @Override
            public void expiringSoon(AccessRequest request) {
              rig.notifier.expiringSoon(request);
            }

            @Override
            public void revocationOverdue(AccessRequest request) {
              rig.notifier.revocationOverdue(request);
            }
          };
      UseCases approving = rig.wire(Fixtures.customers(), rig.cluster, racing, new Random(3));

      approving.decide().decide(Decision.click(extension.id(), APPROVER, Decision.Verdict.APPROVE));

      assertThat(rig.get(extension.id()).state()).isEqualTo(RequestState.FAILED);
      assertThat(rig.get(r.id()).expiresAt()).contains(end);
    }

    @Test
    void anExtensionBeyondALoweredMaximumIsRefusedNotCut() {
      AccessRequest r =
          ((DecideRequest.Result.Approved)
                  core.decide()
                      .decide(
                          Decision.click(
                              rig.pending("operator").id(), APPROVER, Decision.Verdict.APPROVE)))
              .request();
      Instant end = r.expiresAt().orElseThrow();
      AccessRequest extension = extensionOf(r, Duration.ofHours(2));
      UseCases lowered =
          rig.withProd(
              p ->
                  Policies.withRole(
                      p,
                      new RoleDefinition(
                          "operator", "latchkey-operator", "operate", Duration.ofMinutes(30), 1)),
              Set.of("U0APPROVER1", "U0APPROVER2", "U0APPROVER3"));

      var outcome =
          lowered
              .decide()
              .decide(Decision.click(extension.id(), APPROVER, Decision.Verdict.APPROVE));

      assertThat(outcome)
          .isInstanceOfSatisfying(
              DecideRequest.Result.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason())
                      .isEqualTo(Refusal.Reason.DURATION_ABOVE_MAXIMUM));
      assertThat(rig.get(extension.id()).state()).isEqualTo(RequestState.PENDING);
      assertThat(rig.get(r.id()).expiresAt()).contains(end);
    }

    @Test
    void anEnableCheckedWhileADisableNowLandedDoesNotUndoIt() {
      AccessRequest r = rig.active();
      AtomicBoolean once = new AtomicBoolean();
      ClusterAccess slow =
          new ForwardingClusterAccess(rig.cluster) {
            @Override
            public RoleCheck checkRole(ClusterRef cluster, String clusterRole) {
              if (once.compareAndSet(false, true)) {
                core.disable()
                    .disable(
                        PROD, APPROVER_2, true); // the emergency stop lands while roles are checked
              }
              return super.checkRole(cluster, clusterRole);
            }
          };
      UseCases enabling = rig.wire(Fixtures.customers(), slow, new Random(5));

      var outcome = enabling.enable().enable(PROD, ADMIN, Set.of("admin"));

      assertThat(outcome)
          .isInstanceOfSatisfying(
              EnableSupportAccess.Result.Refused.class,
              refused ->
                  assertThat(refused.refusal().reason())
                      .isEqualTo(Refusal.Reason.CHANGED_MEANWHILE));
      assertThat(core.settings().enablement(PROD).enabled()).isFalse();
      assertThat(rig.get(r.id()).state()).isEqualTo(RequestState.REVOKED);
      assertThat(enabling.enable().enable(PROD, ADMIN, Set.of("admin")))
          .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
    }
  }
}
