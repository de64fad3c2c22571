package dev.latchkey.core.access;

import static dev.latchkey.core.testing.Fixtures.ADMIN;
import static dev.latchkey.core.testing.Fixtures.APPROVER;
import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.PROD;
import static dev.latchkey.core.testing.Fixtures.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AuditAction;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.testing.TestRig;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Enabling and disabling support access on a cluster. */
class SwitchSupportAccessTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Test
  void operatorImpliesReadonlyAndNoRolesMeansReadonly() {
    TestRig fresh = new TestRig();
    var outcome = fresh.core.enable().enable(PROD, ADMIN, Set.of("operator"));
    assertThat(((EnableSupportAccess.Result.Enabled) outcome).enablement().roles())
        .containsExactlyInAnyOrder("operator", "readonly");
    var plain = fresh.core.enable().enable(STAGING, APPROVER, Set.of());
    assertThat(((EnableSupportAccess.Result.Enabled) plain).enablement().roles())
        .containsExactly("readonly");
  }

  @Test
  void refusesOutsidersMissingRolesAndAReadonlyThatReadsSecrets() {
    TestRig fresh = new TestRig();
    assertThat(fresh.core.enable().enable(PROD, ENGINEER, Set.of()))
        .isInstanceOf(EnableSupportAccess.Result.Refused.class);
    fresh.cluster.setRole("latchkey-operator", new ClusterAccess.RoleCheck.Missing());
    var missing = fresh.core.enable().enable(PROD, ADMIN, Set.of("operator"));
    assertThat(((EnableSupportAccess.Result.Refused) missing).refusal().facts())
        .containsEntry(Refusal.Fact.CLUSTER_ROLE, "latchkey-operator");
    fresh.cluster.setRole("latchkey-readonly", new ClusterAccess.RoleCheck.Present(true));
    var secrets = fresh.core.enable().enable(PROD, ADMIN, Set.of("readonly"));
    assertThat(((EnableSupportAccess.Result.Refused) secrets).refusal().reason())
        .isEqualTo(Refusal.Reason.ROLE_GRANTS_SECRETS);
    assertThat(fresh.core.settings().enablement(PROD).enabled()).isFalse();
    assertThat(fresh.audit.count(AuditAction.CLUSTER_CHANGE_REFUSED)).isEqualTo(3);
  }
}
