package dev.latchkey.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What every benchmark needs to know about the run (read once from the environment by {@link
 * BenchMain}).
 */
record Bench(
    Path workDir,
    Path latchkeyJar,
    Path benchJar,
    Path deployDir,
    String javaBin,
    List<String> jvmOptions,
    Path adminKubeconfig,
    Path latchkeyKubeconfig,
    List<Integer> rates,
    int seconds,
    int warmupSeconds,
    int approvals,
    int expiryGrants,
    Duration expiryTimeout,
    SlackStub slack,
    Kube kube,
    Report report) {

  static void log(String format, Object... args) {
    System.err.printf(
        Locale.ROOT, "[bench %tT] " + format + "%n", prepend(System.currentTimeMillis(), args));
    System.err.flush();
  }

  private static Object[] prepend(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  /**
   * The latchkey.yml every Latchkey of the run uses: one customer, one cluster (the kit) in token
   * mode.
   */
  String config(String databaseUrl) {
    return """
    database:
      url: %s
    timers:
      reconcileInterval: 60s
    customers:
      - id: acme
        slack:
          teamId: %s
          channel: %s
          approvers:
            users: [%s, U0APPROVER2]
          admins: [%s]
        clusters:
          - name: prod
            kubeconfig: %s
            credentials: token
            roles:
              readonly: {}
              operator: {}
    """
        .formatted(
            databaseUrl,
            SlackRequests.CUSTOMER_TEAM,
            SlackRequests.CHANNEL,
            SlackRequests.APPROVER,
            SlackRequests.ADMIN,
            latchkeyKubeconfig.toAbsolutePath());
  }
}
