package dev.latchkey.bot.ops;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /healthz}: the process answers. {@code /readyz}: every dependency answers (the given check
 * lists what does not); 503 with one line per problem otherwise, so a load balancer stops sending
 * Slack traffic.
 */
public final class HealthServlet extends HttpServlet {
  private final Supplier<List<String>> problems;

  /** Liveness: always ok while the server runs. */
  public static HealthServlet liveness() {
    return new HealthServlet(List::of);
  }

  /** Readiness: ok when {@code problems} is empty. */
  public static HealthServlet readiness(Supplier<List<String>> problems) {
    return new HealthServlet(problems);
  }

  private HealthServlet(Supplier<List<String>> problems) {
    this.problems = problems;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    List<String> found;
    try {
      found = problems.get();
    } catch (RuntimeException e) {
      found = List.of("readiness check failed: " + e.getClass().getSimpleName());
    }
    resp.setContentType("text/plain; charset=utf-8");
    resp.setHeader("Cache-Control", "no-store");
    if (found.isEmpty()) {
      resp.setStatus(200);
      resp.getWriter().write("ok\n");
    } else {
      resp.setStatus(503);
      resp.getWriter().write(String.join("\n", found) + "\n");
    }
  }
}
