package dev.latchkey.k8s;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs a test class against the real API server named by {@code LATCHKEY_IT_KUBECONFIG}, or skips
 * it with a one-line reason. One {@link RealCluster} serves the whole test run and is closed after
 * it. Shared with the gateway's real-API-server tests.
 */
public final class RealClusterExtension
    implements ExecutionCondition, BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RealClusterExtension.class);

  static Path adminKubeconfig() {
    String value = System.getenv(RealCluster.KUBECONFIG_ENV);
    assumeTrue(
        value != null && !value.isBlank(),
        RealCluster.KUBECONFIG_ENV + " is not set: real-API-server tests skipped");
    Path path = Path.of(value);
    assumeTrue(
        Files.isReadable(path),
        RealCluster.KUBECONFIG_ENV + "=" + value + " is not readable: skipped");
    return path;
  }

  /** Without an admin kubeconfig, the class is reported skipped with the reason. */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String value = System.getenv(RealCluster.KUBECONFIG_ENV);
    return value == null || value.isBlank()
        ? ConditionEvaluationResult.disabled(
            RealCluster.KUBECONFIG_ENV + " is not set: real-API-server tests skipped")
        : ConditionEvaluationResult.enabled(RealCluster.KUBECONFIG_ENV + " is set");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster(context);
  }

  private static RealCluster cluster(ExtensionContext context) {
    Path kubeconfig = adminKubeconfig();
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            RealCluster.class, k -> RealCluster.install(kubeconfig), RealCluster.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RealCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return cluster(context);
  }
}
