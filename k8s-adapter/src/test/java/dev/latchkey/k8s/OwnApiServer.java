package dev.latchkey.k8s;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real API server of the test's own, from the kit's start.sh, for tests that freeze it: nothing
 * else stalls with it. Stopped (and its files removed) by {@link #close()}. Shared with the bot
 * module's fault tests.
 */
public final class OwnApiServer implements AutoCloseable {
  public static final String KIT_ENV = "LATCHKEY_IT_KUBE_KIT";
  private static final Logger log = LoggerFactory.getLogger(OwnApiServer.class);

  private final Path kit;
  private final Map<String, String> env;

  private OwnApiServer(Path kit, Map<String, String> env) {
    this.kit = kit;
    this.env = env;
  }

  /**
   * The kit: {@code $LATCHKEY_IT_KUBE_KIT}, else {@code ../shared/kube} beside the project; skips
   * without it.
   */
  public static Path kit() {
    String configured = System.getenv(KIT_ENV);
    Path kit =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Manifests.deployFile("rbac.yaml")
                .getParent()
                .getParent()
                .resolve("../shared/kube")
                .normalize();
    assumeTrue(
        Files.isExecutable(kit.resolve("start.sh")),
        "no API server kit at " + kit + " (set " + KIT_ENV + "): skipped");
    return kit;
  }

  /** Starts etcd and kube-apiserver (no controller manager: nothing here needs it). */
  public static OwnApiServer start(Path kit) {
    try {
      ProcessBuilder builder =
          new ProcessBuilder(kit.resolve("start.sh").toString()).redirectErrorStream(true);
      builder.environment().put("KUBE_CONTROLLER_MANAGER", "none");
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("start.sh failed:\n" + output);
      }
      Map<String, String> env = new LinkedHashMap<>();
      output
          .lines()
          .filter(l -> l.matches("[A-Z_]+=.*"))
          .forEach(
              l -> {
                int eq = l.indexOf('=');
                env.put(l.substring(0, eq), l.substring(eq + 1));
              });
      OwnApiServer server = new OwnApiServer(kit, env);
      log.info(
          "own API server {} up in {} s (pid {})",
          env.get("SERVER"),
          env.get("READY_SECONDS"),
          server.apiServerPid());
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Path adminKubeconfig() {
    return Path.of(env.get("ADMIN_KUBECONFIG"));
  }

  public String apiServerPid() {
    return env.get("APISERVER_PID");
  }

  /** SIGSTOP: the server keeps its port and connections but answers nothing. */
  public void freeze() {
    signal("-STOP");
  }

  /** SIGCONT. */
  public void resume() {
    signal("-CONT");
  }

  private void signal(String signal) {
    run("kill", signal, apiServerPid());
  }

  @Override
  public void close() {
    resume();
    run(kit.resolve("stop.sh").toString(), env.get("WORKDIR"), "--purge");
  }

  private static void run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
