package dev.latchkey.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import dev.latchkey.core.Subject;
import dev.latchkey.core.port.ClusterAccess.CredentialResult;
import dev.latchkey.core.port.ClusterAccess.Footprint;
import dev.latchkey.core.port.ClusterAccess.Grant;
import dev.latchkey.core.port.ClusterAccess.GrantResult;
import dev.latchkey.core.port.ClusterAccess.Listing;
import dev.latchkey.core.port.ClusterAccess.ManagedGrant;
import dev.latchkey.core.port.ClusterAccess.RemovalResult;
import dev.latchkey.core.port.ClusterAccess.RoleCheck;
import dev.latchkey.core.port.ClusterAccess.UnmanagedListing;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * deploy/rbac.yaml is exactly what the adapter needs: with its rules every adapter call succeeds
 * (granting cluster-admin too once the offer-admin component is applied), and without any single
 * verb (or any single bindable role) some call is forbidden. Each variant runs as its own
 * ServiceAccount holding a copy of Latchkey's rules with one permission taken out; the variants are
 * taken from the rules with the component (when kubectl is there to build it), so that
 * cluster-admin's place in the bind rule is checked as well.
 */
@ExtendWith(RealClusterExtension.class)
class LeastPrivilegeIT {
  private static final ClusterRole CLUSTER_RULES =
      Manifests.find(Manifests.load("rbac.yaml"), ClusterRole.class, "latchkey");
  private static final Role GRANTS_RULES =
      Manifests.find(Manifests.load("rbac.yaml"), Role.class, "latchkey");

  private static final Logger log = LoggerFactory.getLogger(LeastPrivilegeIT.class);
  private static String ns;

  /**
   * Latchkey's rules with one permission removed, and a name for it; {@code admin}: the rules are
   * those with the offer-admin component, and cluster-admin is granted too.
   */
  record Variant(
      String without, List<PolicyRule> clusterRules, List<PolicyRule> grantsRules, boolean admin) {
    @Override
    public String toString() {
      return "without " + without;
    }
  }

  @BeforeAll
  static void setUp(RealCluster cluster) {
    ns = cluster.createNamespace("latchkey-it-least");
  }

  @AfterAll
  static void tearDown(RealCluster cluster) {
    cluster.deleteNamespace(ns);
  }

  @Test
  void withAllOfItsRulesEveryCallSucceeds(RealCluster cluster) {
    Variant full = new Variant("nothing", CLUSTER_RULES.getRules(), GRANTS_RULES.getRules(), false);

    assertThat(runAs(cluster, full)).isEmpty();
  }

  @Test
  void withTheOfferAdminComponentEveryCallSucceedsGrantingClusterAdminToo(RealCluster cluster) {
    Variant full = new Variant("nothing", adminClusterRules(), GRANTS_RULES.getRules(), true);

    assertThat(runAs(cluster, full)).isEmpty();
  }

  /**
   * Latchkey's ClusterRole as deploy/ builds with components/offer-admin (without kubectl on the
   * PATH, {@link Manifests#kustomize} skips the calling test).
   */
  private static List<PolicyRule> adminClusterRules() {
    return Manifests.find(Manifests.kustomize("offer-admin"), ClusterRole.class, "latchkey")
        .getRules();
  }

  static Stream<Variant> variants() {
    List<Variant> variants = new ArrayList<>();
    boolean admin = Manifests.kubectlOnPath();
    List<PolicyRule> cluster = admin ? adminClusterRules() : CLUSTER_RULES.getRules();
    List<PolicyRule> grants = GRANTS_RULES.getRules();
    for (int i = 0; i < cluster.size(); i++) {
      for (List<PolicyRule> reduced : reductions(cluster.get(i))) {
        variants.add(
            new Variant(
                "ClusterRole " + describe(cluster.get(i), reduced),
                replace(cluster, i, reduced),
                grants,
                admin));
      }
    }
    for (int i = 0; i < grants.size(); i++) {
      for (List<PolicyRule> reduced : reductions(grants.get(i))) {
        variants.add(
            new Variant(
                "Role " + describe(grants.get(i), reduced),
                cluster,
                replace(grants, i, reduced),
                admin));
      }
    }
    return variants.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void withoutAnyOnePermissionSomeCallIsForbidden(Variant variant, RealCluster cluster) {
    Optional<String> failure = runAs(cluster, variant);
    log.info("{}: {}", variant, failure.orElse("no call failed"));

    assertThat(failure)
        .as(variant.toString())
        .hasValueSatisfying(f -> assertThat(f).contains("forbidden"));
  }

  /**
   * Every call the adapter makes, as an identity holding the variant's rules. Empty when all
   * succeeded, else the first call that did not.
   */
  private static Optional<String> runAs(RealCluster cluster, Variant variant) {
    String name = RealCluster.unique("latchkey-it-minus");
    List<Runnable> cleanup = new ArrayList<>();
    RequestId a = Grants.newId();
    RequestId b = Grants.newId();
    RequestId c = Grants.newId();
    try {
      cluster.installIdentity(name, variant.clusterRules(), variant.grantsRules(), cleanup);
      Config identity = cluster.configAs(RealCluster.LATCHKEY_NAMESPACE, name);
      try (FabricClusterAccess access = cluster.accessAs(RealCluster.LATCHKEY_NAMESPACE, name);
          ClusterConnection connection =
              new ClusterConnection(
                  ClusterConnections.client(identity),
                  cluster.server,
                  Optional.ofNullable(cluster.caData))) {
        GatewayTokens tokens = new GatewayTokens(connection, Clock.systemUTC());
        Grant tokenReadonly = grant(a, "latchkey-readonly", Scope.CLUSTER, Grants.tokenSubject(a));
        Grant userOperator =
            grant(b, "latchkey-operator", Grants.namespaces(ns), Grants.user("support:b"));
        Grant userAdmin = grant(c, "cluster-admin", Scope.CLUSTER, Grants.user("support:c"));
        Supplier<Optional<String>> none = Optional::empty;
        return Stream.<Supplier<Optional<String>>>of(
                () ->
                    expect(
                        "check role",
                        access.checkRole(RealCluster.REF, "latchkey-readonly"),
                        new RoleCheck.Present(false)),
                () ->
                    expect(
                        "grant readonly (token)",
                        access.grant(tokenReadonly),
                        new GrantResult.Granted()),
                () ->
                    expect(
                        "grant readonly again",
                        access.grant(tokenReadonly),
                        new GrantResult.Granted()),
                () ->
                    expect("grant operator", access.grant(userOperator), new GrantResult.Granted()),
                () ->
                    expect(
                        "grant operator again",
                        access.grant(userOperator),
                        new GrantResult.Granted()),
                !variant.admin()
                    ? none
                    : () ->
                        expect(
                            "grant cluster-admin",
                            access.grant(userAdmin),
                            new GrantResult.Granted()),
                () ->
                    variant.admin()
                        ? listed(access.listManaged(RealCluster.REF), a, b, c)
                        : listed(access.listManaged(RealCluster.REF), a, b),
                () -> unmanagedListed(access.listUnmanaged(RealCluster.REF)),
                () ->
                    issued(
                        access.issueCredential(
                            RealCluster.REF, a, Instant.now().plusSeconds(3600))),
                () -> gatewayToken(tokens, a),
                () -> impersonating(identity, Subject.GRANTS_NAMESPACE, a),
                () ->
                    expect(
                        "revoke readonly",
                        access.revoke(Footprint.of(tokenReadonly)),
                        new RemovalResult.Removed(2)),
                () ->
                    expect(
                        "revoke operator",
                        access.revoke(Footprint.of(userOperator)),
                        new RemovalResult.Removed(1)),
                !variant.admin()
                    ? none
                    : () ->
                        expect(
                            "revoke cluster-admin",
                            access.revoke(Footprint.of(userAdmin)),
                            new RemovalResult.Removed(1)),
                () ->
                    cluster.objectsOf(a).isEmpty()
                            && cluster.objectsOf(b).isEmpty()
                            && cluster.objectsOf(c).isEmpty()
                        ? Optional.empty()
                        : Optional.of("objects left after revoke"))
            .map(Supplier::get)
            .flatMap(Optional::stream)
            .findFirst();
      }
    } finally {
      try (FabricClusterAccess admin = cluster.accessAsAdmin()) {
        Stream.of(
                new Footprint(RealCluster.REF, a, Scope.CLUSTER, true),
                new Footprint(RealCluster.REF, b, Grants.namespaces(ns), false),
                new Footprint(RealCluster.REF, c, Scope.CLUSTER, false))
            .forEach(admin::revoke);
      }
      cleanup.reversed().forEach(Runnable::run);
    }
  }

  /**
   * Each way of taking one permission out of a rule: one verb of one resource, or one resource
   * name.
   */
  private static List<List<PolicyRule>> reductions(PolicyRule rule) {
    List<List<PolicyRule>> out = new ArrayList<>();
    if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()) {
      for (String name : rule.getResourceNames()) {
        List<String> rest = rule.getResourceNames().stream().filter(n -> !n.equals(name)).toList();
        out.add(List.of(new PolicyRuleBuilder(rule).withResourceNames(rest).build()));
      }
      return out;
    }
    for (String resource : rule.getResources()) {
      for (String verb : rule.getVerbs()) {
        List<PolicyRule> parts = new ArrayList<>();
        List<String> otherResources =
            rule.getResources().stream().filter(r -> !r.equals(resource)).toList();
        if (!otherResources.isEmpty()) {
          parts.add(new PolicyRuleBuilder(rule).withResources(otherResources).build());
        }
        List<String> otherVerbs = rule.getVerbs().stream().filter(v -> !v.equals(verb)).toList();
        if (!otherVerbs.isEmpty()) {
          parts.add(
              new PolicyRuleBuilder(rule).withResources(resource).withVerbs(otherVerbs).build());
        }
        out.add(parts);
      }
    }
    return out;
  }

  private static List<PolicyRule> replace(
      List<PolicyRule> rules, int index, List<PolicyRule> with) {
    List<PolicyRule> out = new ArrayList<>(rules.subList(0, index));
    out.addAll(with);
    out.addAll(rules.subList(index + 1, rules.size()));
    return out;
  }

  private static String describe(PolicyRule original, List<PolicyRule> reduced) {
    if (original.getResourceNames() != null && !original.getResourceNames().isEmpty()) {
      List<String> kept = reduced.getFirst().getResourceNames();
      String dropped =
          original.getResourceNames().stream()
              .filter(n -> !kept.contains(n))
              .findFirst()
              .orElseThrow();
      return original.getVerbs() + " " + original.getResources() + "/" + dropped;
    }
    for (String resource : original.getResources()) {
      for (String verb : original.getVerbs()) {
        boolean kept =
            reduced.stream()
                .anyMatch(r -> r.getResources().contains(resource) && r.getVerbs().contains(verb));
        if (!kept) {
          return verb + " " + resource;
        }
      }
    }
    throw new IllegalStateException("nothing removed");
  }

  private static Grant grant(RequestId id, String role, Scope scope, Subject subject) {
    return new Grant(
        id,
        RealCluster.REF,
        role,
        scope,
        subject,
        Instant.now().plus(Duration.ofHours(1)),
        List.of("slack:T0C/U0A"),
        "least privilege test");
  }

  private static Optional<String> expect(String step, Object actual, Object expected) {
    return actual.equals(expected) ? Optional.empty() : Optional.of(step + ": " + actual);
  }

  private static Optional<String> listed(Listing listing, RequestId... ids) {
    if (!(listing instanceof Listing.Listed listed)) {
      return Optional.of("list managed: " + listing);
    }
    List<RequestId> found = listed.grants().stream().map(ManagedGrant::id).toList();
    return found.containsAll(List.of(ids))
        ? Optional.empty()
        : Optional.of("list managed: missing some of " + found);
  }

  private static Optional<String> unmanagedListed(UnmanagedListing listing) {
    return listing instanceof UnmanagedListing.Listed
        ? Optional.empty()
        : Optional.of("list unmanaged: " + listing);
  }

  /** The gateway's token calls: mint one with its audience (serviceaccounts/token), review it. */
  private static Optional<String> gatewayToken(GatewayTokens tokens, RequestId id) {
    String audience = "latchkey-gateway-it";
    GatewayTokens.Mint mint = tokens.mint(id, audience, Instant.now().plusSeconds(3600));
    if (!(mint instanceof GatewayTokens.Mint.Minted minted)) {
      return Optional.of("mint gateway token: " + mint);
    }
    GatewayTokens.Review review = tokens.review(minted.token(), audience);
    return review instanceof GatewayTokens.Review.Authenticated authenticated
            && authenticated.id().equals(id)
        ? Optional.empty()
        : Optional.of("review gateway token: " + review);
  }

  /**
   * The gateway's forwarding: a request as Latchkey impersonating a grant's ServiceAccount (a
   * SelfSubjectAccessReview, which every authenticated user may make, so only impersonation can
   * fail).
   */
  private static Optional<String> impersonating(Config identity, String namespace, RequestId id) {
    Config config =
        new ConfigBuilder(identity)
            .withImpersonateUsername("system:serviceaccount:" + namespace + ":" + id.value())
            .build();
    try (KubernetesClient client = ClusterConnections.client(config)) {
      client
          .authorization()
          .v1()
          .selfSubjectAccessReview()
          .create(
              new SelfSubjectAccessReviewBuilder()
                  .withNewSpec()
                  .withResourceAttributes(RealCluster.can("list", "pods", namespace))
                  .endSpec()
                  .build());
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of("impersonate the grant's ServiceAccount: " + ApiError.of(e).message());
    }
  }

  private static Optional<String> issued(CredentialResult result) {
    return result instanceof CredentialResult.Issued
        ? Optional.empty()
        : Optional.of("issue credential: " + result);
  }
}
