package dev.latchkey.bot.http;

import jakarta.servlet.http.HttpServlet;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Latchkey's HTTP server: Jetty 12 with one servlet context. Servlets are added before {@link
 * #start()} (Slack at {@value #SLACK_EVENTS_PATH}, and e.g. /healthz, /readyz, /metrics). Errors
 * are answered with a short plain text ("404 Not Found"), never a stack trace or exception message.
 * {@link #stop()} lets requests in flight finish for up to the stop timeout.
 */
public final class HttpServer {
  public static final String SLACK_EVENTS_PATH = "/slack/events";
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

  private final Server server;
  private final ServerConnector connector;
  private final ServletContextHandler context;

  /** {@code port} 0 picks a free port (see {@link #port()}); every interface. */
  public HttpServer(int port) {
    this(null, port, DEFAULT_STOP_TIMEOUT);
  }

  public HttpServer(int port, Duration stopTimeout) {
    this(null, port, stopTimeout);
  }

  /** Listens on {@code host} only (an IP address; null: every interface). */
  public HttpServer(String host, int port) {
    this(host, port, DEFAULT_STOP_TIMEOUT);
  }

  public HttpServer(String host, int port, Duration stopTimeout) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("PORT must be between 0 and 65535: " + port);
    }
    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("latchkey-http");
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.setContextPath("/");
    context.setErrorHandler(new PlainServletErrorHandler());
    context.setMaxFormContentSize(SlackEventsServlet.MAX_BODY_BYTES);
    server.setErrorHandler(new PlainErrorHandler());
    server.setHandler(new GracefulHandler(context));
    server.setStopTimeout(stopTimeout.toMillis());
    server.setStopAtShutdown(false);
  }

  /**
   * Adds a servlet at a path spec such as {@code /slack/events} or {@code /metrics}; only before
   * start.
   */
  public HttpServer addServlet(String pathSpec, HttpServlet servlet) {
    Objects.requireNonNull(servlet, "servlet");
    if (server.isStarted()) {
      throw new IllegalStateException("servlets are added before the server starts");
    }
    context.addServlet(new ServletHolder(servlet), pathSpec);
    return this;
  }

  public HttpServer start() throws Exception {
    server.start();
    return this;
  }

  /** The port listened on (the chosen one when constructed with 0). */
  public int port() {
    return connector.getLocalPort();
  }

  public boolean isRunning() {
    return server.isRunning();
  }

  /** Stops accepting, lets requests in flight finish (up to the stop timeout), then stops. */
  public void stop() throws Exception {
    server.stop();
  }

  private static boolean writePlain(Response response, Callback callback, int code) {
    String reason = HttpStatus.getMessage(code);
    byte[] body =
        (code + " " + (reason == null ? "" : reason) + "\n").getBytes(StandardCharsets.UTF_8);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  /** Errors raised inside the servlet context (exceptions, sendError, unknown paths). */
  static final class PlainServletErrorHandler extends org.eclipse.jetty.ee10.servlet.ErrorHandler {
    PlainServletErrorHandler() {
      setShowStacks(false);
      setShowCauses(false);
      setShowMessageInTitle(false);
    }

    @Override
    protected boolean generateAcceptableResponse(
        Request request,
        Response response,
        Callback callback,
        String contentType,
        List<Charset> charsets,
        int code,
        String message,
        Throwable cause) {
      return writePlain(response, callback, code);
    }
  }

  /** Errors outside the context (e.g. malformed HTTP). */
  static final class PlainErrorHandler extends org.eclipse.jetty.server.handler.ErrorHandler {
    PlainErrorHandler() {
      setShowStacks(false);
      setShowCauses(false);
      setShowMessageInTitle(false);
    }

    @Override
    protected boolean generateAcceptableResponse(
        Request request,
        Response response,
        Callback callback,
        String contentType,
        List<Charset> charsets,
        int code,
        String message,
        Throwable cause) {
      return writePlain(response, callback, code);
    }
  }
}
