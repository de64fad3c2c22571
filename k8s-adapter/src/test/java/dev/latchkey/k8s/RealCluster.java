package dev.latchkey.k8s;

import static org.awaitility.Awaitility.await;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real API server for the {@code *IT} tier, reached through an admin kubeconfig, with Latchkey
 * installed as deploy/ describes it: namespaces {@code latchkey} and {@code latchkey-grants}, the
 * catalogue and Latchkey's own identity (deploy/rbac.yaml). What this fixture installed is removed
 * again by {@link #close()}; what the cluster already had is left as it was found (apart from being
 * brought up to date with deploy/). Shared with the gateway's real-API-server tests.
 */
public final class RealCluster implements AutoCloseable {
  static final String KUBECONFIG_ENV = "LATCHKEY_IT_KUBECONFIG";
  public static final ClusterRef REF = new ClusterRef(new CustomerId("it"), "real");
  public static final String LATCHKEY_NAMESPACE = "latchkey";
  static final String LATCHKEY_USER = "system:serviceaccount:latchkey:latchkey";

  private static final Logger log = LoggerFactory.getLogger(RealCluster.class);
  private static final SplittableRandom RANDOM = new SplittableRandom();

  public final KubernetesClient admin;
  public final String server;
  public final String caData;
  private final List<HasMetadata> installed = new ArrayList<>();

  private RealCluster(KubernetesClient admin) {
    this.admin = admin;
    Config config = admin.getConfiguration();
    this.server = config.getMasterUrl().replaceAll("/$", "");
    this.caData = config.getCaCertData();
  }

  /** Reads the admin kubeconfig and installs Latchkey's namespaces, catalogue and identity. */
  static RealCluster install(Path adminKubeconfig) {
    String text;
    try {
      text = Files.readString(adminKubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RealCluster cluster = new RealCluster(ClusterConnections.client(Config.fromKubeconfig(text)));
    try {
      cluster.ensure(
          new NamespaceBuilder()
              .withNewMetadata()
              .withName(LATCHKEY_NAMESPACE)
              .endMetadata()
              .build());
      cluster.ensure(
          new NamespaceBuilder()
              .withNewMetadata()
              .withName(GrantObjects.GRANTS_NAMESPACE)
              .endMetadata()
              .build());
      Manifests.load("catalogue.yaml").forEach(cluster::ensure);
      Manifests.load("rbac.yaml").forEach(cluster::ensure);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Applies an object as deploy/ has it; remembers it for removal when it was not there before. */
  private void ensure(HasMetadata object) {
    boolean existed = admin.resource(object).get() != null;
    admin.resource(object).fieldManager("latchkey-tests").forceConflicts().serverSideApply();
    if (!existed) {
      installed.add(object);
    }
  }

  /**
   * A client that is Latchkey's own ServiceAccount (deploy/rbac.yaml), by a token minted for it.
   */
  public KubernetesClient clientAs(String namespace, String serviceAccount) {
    return ClusterConnections.client(configAs(namespace, serviceAccount));
  }

  /** A client configuration for a ServiceAccount, by a token minted for it (valid one hour). */
  public Config configAs(String namespace, String serviceAccount) {
    String token =
        admin
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(serviceAccount)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    return bearer(token);
  }

  public Config bearer(String token) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(server)
        .withCaCertData(caData)
        .withOauthToken(token)
        .build();
  }

  /**
   * A ServiceAccount {@code name} in Latchkey's namespace holding {@code clusterRules} cluster-wide
   * and {@code grantsRules} in the grants' namespace, as deploy/rbac.yaml gives Latchkey its own;
   * returns once the authorizer has seen both bindings. What it made is removed by the actions it
   * adds to {@code cleanup}, to be run last first.
   */
  void installIdentity(
      String name,
      List<PolicyRule> clusterRules,
      List<PolicyRule> grantsRules,
      List<Runnable> cleanup) {
    String grantsNs = GrantObjects.GRANTS_NAMESPACE;
    admin
        .serviceAccounts()
        .inNamespace(LATCHKEY_NAMESPACE)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    cleanup.add(
        () -> admin.serviceAccounts().inNamespace(LATCHKEY_NAMESPACE).withName(name).delete());
    admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withRules(clusterRules)
                .build())
        .create();
    cleanup.add(() -> admin.rbac().clusterRoles().withName(name).delete());
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withNamespace(LATCHKEY_NAMESPACE)
                .withName(name)
                .endSubject()
                .build())
        .create();
    cleanup.add(() -> admin.rbac().clusterRoleBindings().withName(name).delete());
    admin
        .rbac()
        .roles()
        .inNamespace(grantsNs)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withRules(grantsRules)
                .build())
        .create();
    cleanup.add(() -> admin.rbac().roles().inNamespace(grantsNs).withName(name).delete());
    admin
        .rbac()
        .roleBindings()
        .inNamespace(grantsNs)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withNamespace(LATCHKEY_NAMESPACE)
                .withName(name)
                .endSubject()
                .build())
        .create();
    cleanup.add(() -> admin.rbac().roleBindings().inNamespace(grantsNs).withName(name).delete());
    // Wait until the authorizer has seen both bindings: one permission each of them still gives.
    String user = "system:serviceaccount:" + LATCHKEY_NAMESPACE + ":" + name;
    PolicyRule clusterProbe =
        clusterRules.stream().filter(r -> !r.getVerbs().isEmpty()).findFirst().orElseThrow();
    awaitAllowed(user, probe(clusterProbe, null), true);
    PolicyRule grantsProbe =
        grantsRules.stream().filter(r -> !r.getVerbs().isEmpty()).findFirst().orElseThrow();
    awaitAllowed(user, probe(grantsProbe, grantsNs), true);
  }

  private static ResourceAttributes probe(PolicyRule rule, String namespace) {
    String group = rule.getApiGroups().getFirst();
    ResourceAttributes attributes =
        can(
            rule.getVerbs().getFirst(),
            (group.isEmpty() ? "" : group + ":") + rule.getResources().getFirst(),
            namespace);
    if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()) {
      attributes.setName(rule.getResourceNames().getFirst());
    }
    return attributes;
  }

  /** The adapter running as Latchkey's least-privilege identity. */
  public FabricClusterAccess accessAsLatchkey() {
    return accessAs(LATCHKEY_NAMESPACE, "latchkey");
  }

  FabricClusterAccess accessAs(String namespace, String serviceAccount) {
    return new FabricClusterAccess(
        Map.of(
            REF,
            new ClusterConnection(
                clientAs(namespace, serviceAccount), server, Optional.ofNullable(caData))));
  }

  /** The adapter as the admin, for cleaning up after tests. */
  public FabricClusterAccess accessAsAdmin() {
    return new FabricClusterAccess(
        Map.of(
            REF,
            new ClusterConnection(
                ClusterConnections.client(ClusterConnections.tuned(admin.getConfiguration())),
                server,
                Optional.ofNullable(caData))));
  }

  /** Everything on the cluster labelled with this request id. */
  List<HasMetadata> objectsOf(RequestId id) {
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(
        admin
            .rbac()
            .clusterRoleBindings()
            .withLabel(GrantObjects.REQUEST_ID, id.value())
            .list()
            .getItems());
    found.addAll(
        admin
            .rbac()
            .roleBindings()
            .inAnyNamespace()
            .withLabel(GrantObjects.REQUEST_ID, id.value())
            .list()
            .getItems());
    found.addAll(
        admin
            .serviceAccounts()
            .inAnyNamespace()
            .withLabel(GrantObjects.REQUEST_ID, id.value())
            .list()
            .getItems());
    return found;
  }

  /** A fresh namespace with a unique name; delete it with {@link #deleteNamespace}. */
  public String createNamespace(String prefix) {
    String name = unique(prefix);
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  public void deleteNamespace(String name) {
    admin.namespaces().withName(name).delete();
  }

  public static String unique(String prefix) {
    return prefix + "-" + Long.toString(RANDOM.nextLong(1L << 40), 36).toLowerCase(Locale.ROOT);
  }

  /** SubjectAccessReview: may {@code user} do this? */
  public boolean allowed(String user, ResourceAttributes what) {
    return Boolean.TRUE.equals(
        admin
            .authorization()
            .v1()
            .subjectAccessReview()
            .create(
                new SubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withUser(user)
                    .withResourceAttributes(what)
                    .endSpec()
                    .build())
            .getStatus()
            .getAllowed());
  }

  public static ResourceAttributes can(String verb, String resource) {
    return can(verb, resource, null);
  }

  /**
   * {@code resource} is {@code [group:]resource[/subresource]}, e.g. {@code pods/log}, {@code
   * apps:deployments/scale}; a null namespace asks about the whole cluster.
   */
  public static ResourceAttributes can(String verb, String resource, String namespace) {
    int colon = resource.indexOf(':');
    String group = colon < 0 ? "" : resource.substring(0, colon);
    String[] parts = resource.substring(colon + 1).split("/", 2);
    return new ResourceAttributesBuilder()
        .withVerb(verb)
        .withGroup(group)
        .withResource(parts[0])
        .withSubresource(parts.length > 1 ? parts[1] : null)
        .withNamespace(namespace)
        .build();
  }

  /**
   * RBAC changes reach the authorizer through a watch: waits until the user is allowed (or denied).
   */
  public void awaitAllowed(String user, ResourceAttributes what, boolean allowed) {
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> allowed(user, what) == allowed);
  }

  /** A pod served by the kit's node, Running before this returns. */
  public Pod runningPod(String namespace, String name) {
    Pod pod =
        admin
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .endMetadata()
                    .withNewSpec()
                    .withNodeName("kit-node")
                    .addNewContainer()
                    .withName("main")
                    .withImage("busybox")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                "Running"
                    .equals(
                        admin
                            .pods()
                            .inNamespace(namespace)
                            .withName(name)
                            .get()
                            .getStatus()
                            .getPhase()));
    return pod;
  }

  @Override
  public void close() {
    List<HasMetadata> reverse = new ArrayList<>(installed);
    Collections.reverse(reverse);
    for (HasMetadata object : reverse) {
      try {
        admin.resource(object).delete();
      } catch (RuntimeException e) {
        log.warn(
            "could not remove {} {}: {}",
            object.getKind(),
            object.getMetadata().getName(),
            e.getMessage());
      }
    }
    admin.close();
  }
}
