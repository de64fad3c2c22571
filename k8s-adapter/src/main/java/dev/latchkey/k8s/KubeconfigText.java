package dev.latchkey.k8s;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import io.fabric8.kubernetes.api.model.NamedAuthInfoBuilder;
import io.fabric8.kubernetes.api.model.NamedClusterBuilder;
import io.fabric8.kubernetes.api.model.NamedContextBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Optional;

/**
 * The kubeconfig handed to an engineer: one cluster (the support server), one token user, one
 * context.
 */
final class KubeconfigText {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private KubeconfigText() {}

  /**
   * Names: the cluster is the configured cluster name, the user the request id, the context both
   * joined by {@code @}, so that several hand-outs can be merged into one kubeconfig without
   * clashing.
   */
  static String of(
      ClusterRef cluster, RequestId id, String server, Optional<String> caCertData, String token) {
    String context = id.value() + "@" + cluster.name();
    io.fabric8.kubernetes.api.model.Config config =
        new io.fabric8.kubernetes.api.model.ConfigBuilder()
            .withApiVersion("v1")
            .withKind("Config")
            .addToClusters(
                new NamedClusterBuilder()
                    .withName(cluster.name())
                    .withNewCluster()
                    .withServer(server)
                    .withCertificateAuthorityData(caCertData.orElse(null))
                    .endCluster()
                    .build())
            .addToUsers(
                new NamedAuthInfoBuilder()
                    .withName(id.value())
                    .withNewUser()
                    .withToken(token)
                    .endUser()
                    .build())
            .addToContexts(
                new NamedContextBuilder()
                    .withName(context)
                    .withNewContext()
                    .withCluster(cluster.name())
                    .withUser(id.value())
                    .endContext()
                    .build())
            .withCurrentContext(context)
            .build();
    return SERIALIZATION.asYaml(config);
  }
}
