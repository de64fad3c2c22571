package dev.latchkey.core;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.rules.ReachRules;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * No grant reaches Latchkey itself: protected namespaces are refused at submission and again at
 * approval, and a cluster where Latchkey runs cannot offer, with direct credentials, a cluster-wide
 * role that reaches its pod.
 */
class LatchkeyReachTest {

  /** The fixtures' customer with prod changed by {@code change}. */
  private static Customers withProd(UnaryOperator<ClusterPolicy> change) {
    Map<String, ClusterPolicy> clusters = new LinkedHashMap<>();
    clusters.put("prod", change.apply(Fixtures.prod()));
    clusters.put("staging", Fixtures.staging());
    Customer acme = Fixtures.acme();
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

  private static ClusterPolicy hosting(ClusterPolicy p, CredentialMode mode) {
    return new ClusterPolicy(
        p.cluster(),
        p.roles(),
        p.allowedNamespaces(),
        p.pendingTtl(),
        mode,
        p.subjectTemplate(),
        Set.of("monitoring"),
        true);
  }

  private static ClusterPolicy withOperator(ClusterPolicy p, RoleDefinition operator) {
    Map<String, RoleDefinition> roles = new LinkedHashMap<>(p.roles());
    roles.put(operator.name(), operator);
    return new ClusterPolicy(
        p.cluster(),
        roles,
        p.allowedNamespaces(),
        p.pendingTtl(),
        p.credentials(),
        p.subjectTemplate(),
        p.protectedNamespaces(),
        p.hostsLatchkey());
  }

  private static SubmitRequest.Result submit(TestRig rig, String role, List<String> namespaces) {
    return rig.core
        .submit()
        .submit(rig.submission(PROD, role, Optional.of(Duration.ofHours(1)), namespaces));
  }

  @Test
  void latchkeysOwnNamespacesAndConfiguredOnesAreNeverGranted() {
    TestRig rig = new TestRig(withProd(p -> hosting(p, CredentialMode.TOKEN)));
    rig.core.enable().enable(PROD, ADMIN, Set.of("readonly"));
    for (String ns : List.of("latchkey", "latchkey-grants", "monitoring")) {
      var outcome = submit(rig, "readonly", List.of("web", ns));
      assertThat(outcome)
          .as(ns)
          .isInstanceOfSatisfying(
              SubmitRequest.Result.Refused.class,
              r -> {
                assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.PROTECTED_NAMESPACE);
                assertThat(r.refusal().fact(Refusal.Fact.NAMESPACE)).contains(ns);
              });
    }
    assertThat(rig.audit.count(AuditAction.REQUEST_REFUSED)).isEqualTo(3);
    assertThat(submit(rig, "readonly", List.of("web")))
        .isInstanceOf(SubmitRequest.Result.Submitted.class);
  }

  @Test
  void theBuiltInNamespacesAreProtectedOnEveryCluster() {
    TestRig rig = new TestRig().enabled();
    assertThat(Fixtures.prod().protectedNamespaces()).contains("latchkey", "latchkey-grants");
    assertThat(submit(rig, "operator", List.of("latchkey")))
        .isInstanceOfSatisfying(
            SubmitRequest.Result.Refused.class,
            r -> assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.PROTECTED_NAMESPACE));
  }

  @Test
  void aNamespaceProtectedAfterSubmissionCannotBeApproved() {
    TestRig before = new TestRig().enabled();
    AccessRequest pending =
        ((SubmitRequest.Result.Submitted) submit(before, "readonly", List.of("monitoring")))
            .request();
    UseCases after =
        new TestRigOn(before, withProd(p -> hosting(p, CredentialMode.TOKEN))).service();
    var outcome =
        after.decide().decide(Decision.click(pending.id(), APPROVER, Decision.Verdict.APPROVE));
    assertThat(outcome)
        .isInstanceOfSatisfying(
            DecideRequest.Result.Refused.class,
            r -> assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.PROTECTED_NAMESPACE));
    assertThat(before.get(pending.id()).state()).isEqualTo(RequestState.PENDING);
    assertThat(before.cluster.holds(pending.id())).isFalse();
  }

  @Test
  void aNamespacedOnlyRoleIsNeverGrantedClusterWide() {
    TestRig rig =
        new TestRig(
            withProd(
                p ->
                    withOperator(
                        hosting(p, CredentialMode.TOKEN),
                        RoleDefinition.builtIn("operator").onlyNamespaced())));
    assertThat(rig.core.enable().enable(PROD, ADMIN, Set.of("operator")))
        .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
    assertThat(submit(rig, "operator", List.of()))
        .isInstanceOfSatisfying(
            SubmitRequest.Result.Refused.class,
            r -> assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.NAMESPACES_REQUIRED));
    assertThat(submit(rig, "operator", List.of("web")))
        .isInstanceOf(SubmitRequest.Result.Submitted.class);
  }

  @Test
  void aClusterHostingLatchkeyCannotEnableACluserWideRoleThatReachesItsPod() {
    TestRig rig = new TestRig(withProd(p -> hosting(p, CredentialMode.TOKEN)));
    var operator = rig.core.enable().enable(PROD, ADMIN, Set.of("operator"));
    assertThat(operator)
        .isInstanceOfSatisfying(
            EnableSupportAccess.Result.Refused.class,
            r -> {
              assertThat(r.refusal().reason()).isEqualTo(Refusal.Reason.ROLE_REACHES_LATCHKEY);
              assertThat(r.refusal().fact(Refusal.Fact.REACHES))
                  .contains("EXEC, DELETE_PODS, CHANGE_WORKLOADS");
            });
    assertThat(rig.core.enable().enable(PROD, ADMIN, Set.of("admin")))
        .isInstanceOf(EnableSupportAccess.Result.Refused.class);
    assertThat(rig.core.enable().enable(PROD, ADMIN, Set.of("readonly")))
        .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
  }

  @Test
  void theWaysOutAreAccepted() {
    for (UnaryOperator<ClusterPolicy> wayOut :
        List.<UnaryOperator<ClusterPolicy>>of(
            p -> hosting(p, CredentialMode.GATEWAY),
            p ->
                withOperator(
                    hosting(p, CredentialMode.TOKEN),
                    RoleDefinition.builtIn("operator").onlyNamespaced()),
            p -> p)) {
      TestRig rig = new TestRig(withProd(wayOut));
      assertThat(rig.core.enable().enable(PROD, ADMIN, Set.of("operator")))
          .isInstanceOf(EnableSupportAccess.Result.Enabled.class);
    }
  }

  @Test
  void startUpReportsAnEnabledRoleThatReachesLatchkey() {
    TestRig rig = new TestRig().enabled();
    UseCases hostingNow =
        new TestRigOn(rig, withProd(p -> hosting(p, CredentialMode.EXTERNAL))).service();
    assertThat(hostingNow.roles().enabledRoleProblems())
        .anySatisfy(
            problem -> {
              assertThat(problem.reason()).isEqualTo(Refusal.Reason.ROLE_REACHES_LATCHKEY);
              assertThat(problem.fact(Refusal.Fact.ROLE)).contains("operator");
            });
  }

  @Test
  void builtInRolesAreJudgedWithoutAskingTheCluster() {
    ClusterPolicy hosting = hosting(Fixtures.prod(), CredentialMode.TOKEN);
    RoleDefinition operator = RoleDefinition.builtIn("operator");
    assertThat(
            ReachRules.refusal(hosting, operator, ReachRules.knownReach(operator))
                .map(Refusal::reason))
        .contains(Refusal.Reason.ROLE_REACHES_LATCHKEY);
    RoleDefinition readonly = RoleDefinition.builtIn("readonly");
    assertThat(ReachRules.refusal(hosting, readonly, ReachRules.knownReach(readonly))).isEmpty();
    RoleDefinition custom =
        new RoleDefinition("debug", "team-debug", "debug", Duration.ofHours(1), 1);
    assertThat(ReachRules.knownReach(custom)).isEmpty();
  }

  /** A second service over the same stores and cluster, with another configuration. */
  private record TestRigOn(TestRig rig, Customers customers) {
    UseCases service() {
      return rig.wire(customers, rig.cluster, new java.util.Random(3));
    }
  }
}
