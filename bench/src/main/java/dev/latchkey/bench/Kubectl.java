package dev.latchkey.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** kubectl as an engineer runs it, its output counted and thrown away. */
final class Kubectl {
  /** One run: how it ended, the bytes it printed, how long it took, what it said on stderr. */
  record Run(int exit, long bytes, long nanos, String errors) {}

  private Kubectl() {}

  static boolean available() {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(entry, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  static Run run(Path kubeconfig, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    Path errors = Files.createTempFile("kubectl", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectError(errors.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().putAll(env);
      long t0 = System.nanoTime();
      Process process = builder.start();
      long count = 0;
      byte[] buffer = new byte[256 * 1024];
      try (InputStream out = process.getInputStream()) {
        int n;
        while ((n = out.read(buffer)) >= 0) {
          count += n;
        }
      }
      int exit = process.waitFor();
      long nanos = System.nanoTime() - t0;
      String err = Files.readString(errors);
      return new Run(exit, count, nanos, err.length() > 500 ? err.substring(0, 500) : err);
    } finally {
      Files.deleteIfExists(errors);
    }
  }
}
