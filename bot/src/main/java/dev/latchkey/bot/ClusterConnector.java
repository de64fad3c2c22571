package dev.latchkey.bot;

import dev.latchkey.bot.config.ClusterConnectionSettings;
import dev.latchkey.bot.config.ConfigException;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.k8s.ClusterConnection;
import dev.latchkey.k8s.ClusterConnections;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Connects the configured clusters at start-up, naming every cluster's problem at once. */
final class ClusterConnector {
  private ClusterConnector() {}

  /** Connects each configured cluster (kubeconfig or in-cluster). */
  static ClusterConnection connect(ClusterConnectionSettings settings) {
    try {
      ClusterConnection connection =
          settings.inCluster()
              ? ClusterConnections.inCluster(settings.supportServer())
              : ClusterConnections.fromKubeconfig(
                  settings.kubeconfig().orElseThrow(),
                  settings.context(),
                  settings.supportServer());
      return settings.supportCaData().map(connection::withSupportCa).orElse(connection);
    } catch (RuntimeException e) {
      throw new ConfigException("cluster " + settings.cluster() + ": " + e.getMessage());
    }
  }

  /**
   * Every cluster's connection; each one made is added to {@code opened} (closed if start-up
   * stops), and a {@link ConfigException} lists every cluster that could not be connected.
   */
  static Map<ClusterRef, ClusterConnection> connectAll(
      List<ClusterConnectionSettings> clusters,
      Function<ClusterConnectionSettings, ClusterConnection> connector,
      List<AutoCloseable> opened) {
    Map<ClusterRef, ClusterConnection> connections = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (ClusterConnectionSettings c : clusters) {
      try {
        ClusterConnection connection = connector.apply(c);
        opened.add(connection::close);
        connections.put(c.cluster(), connection);
      } catch (ConfigException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return connections;
  }
}
