package dev.latchkey.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** kubectl (1.32, from the PATH) as engineers run it, with one kubeconfig. */
public final class Kubectl {
  private final Path kubeconfig;
  private final Map<String, String> env;

  public Kubectl(Path kubeconfig) {
    this(kubeconfig, Map.of());
  }

  private Kubectl(Path kubeconfig, Map<String, String> env) {
    this.kubeconfig = kubeconfig;
    this.env = Map.copyOf(env);
  }

  /** The same kubectl with an environment variable set (e.g. to force SPDY). */
  public Kubectl with(String name, String value) {
    Map<String, String> more = new java.util.HashMap<>(env);
    more.put(name, value);
    return new Kubectl(kubeconfig, more);
  }

  /** What a finished kubectl run printed (stdout and stderr together) and its exit code. */
  public record Result(int exit, String output) {
    public boolean ok() {
      return exit == 0;
    }
  }

  public Result run(String... args) {
    return runWithInput(null, args);
  }

  /** Runs to the end (at most 30 s), feeding {@code stdin} when given. */
  public Result runWithInput(String stdin, String... args) {
    try {
      Process process = builder(List.of(args)).start();
      try (OutputStream in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not end");
      }
      return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts a long-running kubectl (a watch, logs -f, port-forward) whose output is collected. */
  public Running start(String... args) {
    return Running.of(builder(List.of(args)));
  }

  /** Starts kubectl in a terminal of its own (for {@code -it}), through script(1). */
  public Running startInTerminal(String... args) {
    StringBuilder command = new StringBuilder("kubectl --kubeconfig " + kubeconfig);
    for (String arg : args) {
      command.append(' ').append(arg);
    }
    ProcessBuilder builder =
        new ProcessBuilder("script", "-qfc", command.toString(), "/dev/null")
            .redirectErrorStream(true);
    builder.environment().put("TERM", "dumb");
    return Running.of(builder);
  }

  private ProcessBuilder builder(List<String> args) {
    List<String> command =
        new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("KUBECONFIG");
    builder.environment().putAll(env);
    return builder;
  }

  /** A running kubectl: its output so far, its input, when it ended. */
  public static final class Running implements AutoCloseable {
    final Process process;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Thread reader;

    private Running(Process process) {
      this.process = process;
      this.reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    byte[] buffer = new byte[4096];
                    try (InputStream in = process.getInputStream()) {
                      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        synchronized (output) {
                          output.write(buffer, 0, n);
                        }
                      }
                    } catch (IOException e) {
                      // The process ended.
                    }
                  });
    }

    static Running of(ProcessBuilder builder) {
      try {
        return new Running(builder.start());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public String output() {
      synchronized (output) {
        return output.toString(StandardCharsets.UTF_8);
      }
    }

    public void type(String text) {
      try {
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public boolean alive() {
      return process.isAlive();
    }

    /** Waits for the end (at most {@code within}); true when it ended. */
    public boolean awaitEnd(Duration within) throws InterruptedException {
      return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
      reader.join(2000);
    }
  }
}
