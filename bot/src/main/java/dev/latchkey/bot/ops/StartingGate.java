package dev.latchkey.bot.ops;

import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Holds a servlet shut while Latchkey starts: the HTTP server (liveness, readiness, metrics) is up
 * at once, but Slack is answered 503 until everything that fell due while Latchkey was stopped has
 * been handled, so nothing is decided on stale state and a slow start is not mistaken for a dead
 * process.
 */
public final class StartingGate extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient HttpServlet inner;
  private volatile boolean open;

  public StartingGate(HttpServlet inner) {
    this.inner = inner;
  }

  public void open() {
    open = true;
  }

  public boolean isOpen() {
    return open;
  }

  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    inner.init(config);
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp)
      throws ServletException, IOException {
    if (!open) {
      resp.setStatus(503);
      resp.setHeader("Retry-After", "5");
      resp.setContentType("text/plain; charset=utf-8");
      resp.getWriter().write("Latchkey is starting; try again in a few seconds.\n");
      return;
    }
    inner.service(req, resp);
  }

  @Override
  public void destroy() {
    inner.destroy();
  }
}
