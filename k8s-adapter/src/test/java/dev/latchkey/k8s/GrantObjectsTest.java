package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrantObjectsTest {
  private final RequestId id = new RequestId("ar-0123abcd");

  @Test
  void clusterScopeIsOneClusterRoleBindingNamedAfterTheRequest() {
    List<HasMetadata> bindings =
        GrantObjects.bindings(Grants.token(id, "latchkey-readonly", Scope.CLUSTER));

    assertThat(bindings)
        .singleElement()
        .isInstanceOfSatisfying(
            ClusterRoleBinding.class,
            crb -> {
              assertThat(crb.getMetadata().getName()).isEqualTo("latchkey-ar-0123abcd");
              assertThat(crb.getMetadata().getNamespace()).isNull();
              assertThat(crb.getRoleRef().getKind()).isEqualTo("ClusterRole");
              assertThat(crb.getRoleRef().getName()).isEqualTo("latchkey-readonly");
              assertThat(crb.getRoleRef().getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
            });
  }

  @Test
  void namespaceScopeIsOneRoleBindingPerNamespaceOfTheClusterRole() {
    List<HasMetadata> bindings =
        GrantObjects.bindings(
            Grants.token(id, "latchkey-operator", Grants.namespaces("web", "api")));

    assertThat(bindings)
        .hasSize(2)
        .allSatisfy(
            b -> {
              assertThat(b).isInstanceOf(RoleBinding.class);
              assertThat(b.getMetadata().getName()).isEqualTo("latchkey-ar-0123abcd");
              assertThat(((RoleBinding) b).getRoleRef().getKind()).isEqualTo("ClusterRole");
            });
    assertThat(bindings)
        .extracting(b -> b.getMetadata().getNamespace())
        .containsExactly("api", "web");
  }

  @Test
  void tokenModeBindsTheRequestsServiceAccount() {
    var grant = Grants.token(id, "latchkey-readonly", Scope.CLUSTER);

    ClusterRoleBinding crb = (ClusterRoleBinding) GrantObjects.bindings(grant).getFirst();
    assertThat(crb.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getNamespace()).isEqualTo("latchkey-grants");
              assertThat(s.getName()).isEqualTo("ar-0123abcd");
              assertThat(s.getApiGroup()).isNull();
            });
    ServiceAccount sa = GrantObjects.serviceAccount(grant).orElseThrow();
    assertThat(sa.getMetadata().getNamespace()).isEqualTo("latchkey-grants");
    assertThat(sa.getMetadata().getName()).isEqualTo("ar-0123abcd");
    assertThat(sa.getAutomountServiceAccountToken()).isFalse();
    assertThat(sa.getMetadata().getLabels()).isEqualTo(crb.getMetadata().getLabels());
    assertThat(sa.getMetadata().getAnnotations()).isEqualTo(crb.getMetadata().getAnnotations());
  }

  @Test
  void externalModeBindsTheDerivedUserAndMakesNoServiceAccount() {
    var grant =
        Grants.external(id, "latchkey-readonly", Scope.CLUSTER, "support:alice@vendor.example");

    ClusterRoleBinding crb = (ClusterRoleBinding) GrantObjects.bindings(grant).getFirst();
    assertThat(crb.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("User");
              assertThat(s.getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
              assertThat(s.getName()).isEqualTo("support:alice@vendor.example");
              assertThat(s.getNamespace()).isNull();
            });
    assertThat(GrantObjects.serviceAccount(grant)).isEmpty();
  }

  @Test
  void everyObjectIsLabelledAndAnnotated() {
    var grant = Grants.token(id, "latchkey-readonly", Grants.namespaces("web"));

    HasMetadata rb = GrantObjects.bindings(grant).getFirst();
    assertThat(rb.getMetadata().getLabels())
        .containsOnly(
            org.assertj.core.api.Assertions.entry("app.kubernetes.io/managed-by", "latchkey"),
            org.assertj.core.api.Assertions.entry("latchkey.dev/request-id", "ar-0123abcd"),
            org.assertj.core.api.Assertions.entry("latchkey.dev/customer", "acme"),
            org.assertj.core.api.Assertions.entry("latchkey.dev/cluster", "prod-eu"));
    assertThat(rb.getMetadata().getAnnotations())
        .containsEntry("latchkey.dev/expires-at", "2030-01-02T03:04:05Z")
        .containsEntry(
            "latchkey.dev/approvers", "slack:T0CUSTOMER/U0APPROVER,slack:T0CUSTOMER/U0SECOND")
        .containsEntry("latchkey.dev/reason", "INC-4711: pods crash-looping");
    assertThat(GrantObjects.annotatedExpiry(rb)).contains(Grants.EXPIRES);
    assertThat(GrantObjects.requestId(rb)).contains(id);
    assertThat(GrantObjects.belongsTo(rb, id)).isTrue();
    assertThat(GrantObjects.belongsTo(rb, new RequestId("ar-zzzzzzzz"))).isFalse();
  }

  @Test
  void reasonsBecomeSingleLineBoundedAnnotations() {
    assertThat(GrantObjects.annotationSafe(" line one\nline two\t<@channel> \u0000 "))
        .isEqualTo("line one line two <@channel>");
    String emoji = "\uD83D\uDD25";
    String longText = "x".repeat(GrantObjects.MAX_ANNOTATION_CHARS - 2) + emoji + "tail";
    String safe = GrantObjects.annotationSafe(longText);
    assertThat(safe.length()).isLessThanOrEqualTo(GrantObjects.MAX_ANNOTATION_CHARS);
    assertThat(safe).endsWith("…").doesNotContain("tail");
    assertThat(Character.isHighSurrogate(safe.charAt(safe.length() - 2))).isFalse();
  }
}
