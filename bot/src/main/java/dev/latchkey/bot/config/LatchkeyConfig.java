package dev.latchkey.bot.config;

import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.Customers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The whole of latchkey.yml, validated: customers and their clusters, database, audit file, timer
 * periods.
 */
public record LatchkeyConfig(
    Customers customers,
    List<ClusterConnectionSettings> connections,
    String databaseUrl,
    Optional<Path> auditFile,
    Duration reconcileInterval) {
  public static final String DEFAULT_DATABASE_URL = "jdbc:h2:file:./data/latchkey";
  public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(60);

  public LatchkeyConfig {
    connections = List.copyOf(connections);
  }

  /** Whether any cluster hands out gateway credentials (the session gateway must then run). */
  public boolean usesGateway() {
    return customers.allClusters().stream()
        .anyMatch(p -> p.credentials() == CredentialMode.GATEWAY);
  }
}
