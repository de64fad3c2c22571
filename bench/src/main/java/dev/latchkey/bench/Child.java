package dev.latchkey.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started as a child process (Latchkey's shaded jar, or the bare Bolt floor), its output in a
 * file.
 */
final class Child implements AutoCloseable {
  private final Process process;
  private final long startedNanos;
  final Path log;

  private Child(Process process, long startedNanos, Path log) {
    this.process = process;
    this.startedNanos = startedNanos;
    this.log = log;
  }

  static Child start(List<String> command, Map<String, String> env, Path dir, Path log)
      throws IOException {
    Files.createDirectories(dir);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // As ./latchkey run sets it: two malloc arenas, not one per thread that ever allocated (each up
    // to 64 MB).
    builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    builder.environment().putAll(env);
    long started = System.nanoTime();
    Process process = builder.start();
    return new Child(process, started, log);
  }

  long pid() {
    return process.pid();
  }

  /**
   * Polls {@code url} every 5 ms until it answers 200; returns the time from process start to that
   * answer.
   */
  Duration awaitReady(URI url, Duration timeout) throws InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build()) {
      long deadline = startedNanos + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "process exited with " + process.exitValue() + " before it was ready; see " + log);
        }
        try {
          HttpResponse<Void> response =
              http.send(
                  HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding());
          if (response.statusCode() == 200) {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(5);
      }
    }
    throw new IllegalStateException("not ready within " + timeout + "; see " + log);
  }

  /** VmHWM (peak resident set) in KiB from /proc. */
  long peakRssKib() {
    return procStatus("VmHWM:");
  }

  long rssKib() {
    return procStatus("VmRSS:");
  }

  private long procStatus(String key) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).replace("kB", "").strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** SIGTERM (Latchkey's graceful stop), then SIGKILL after 30 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
