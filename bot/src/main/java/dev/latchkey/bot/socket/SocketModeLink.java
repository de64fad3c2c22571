package dev.latchkey.bot.socket;

import com.slack.api.Slack;
import com.slack.api.bolt.App;
import com.slack.api.methods.response.apps.connections.AppsConnectionsOpenResponse;
import dev.latchkey.core.Backoff;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latchkey's Socket Mode connections to Slack: opened out with the app-level token, so Slack
 * reaches Latchkey without any public endpoint. Each envelope is handled by the same Bolt app and
 * handlers as HTTP mode ({@link Envelopes}) on a worker thread and acknowledged on the connection
 * it came on. As Slack documents: a {@code disconnect} envelope ({@code refresh_requested}, {@code
 * warning}) opens a new connection while the old one stays open, and the old one is closed only
 * once the new one said {@code hello}, so nothing in flight is lost; {@code link_disabled} (Socket
 * Mode turned off for the app) stops reconnecting. A dropped connection or a failed {@code
 * apps.connections.open} is retried with backoff (at once, then doubling up to a cap).
 */
public final class SocketModeLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SocketModeLink.class);
  static final int WORKERS = 8;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration FINISH_WORK = Duration.ofSeconds(5);
  // Java-WebSocket pings on this period and drops a connection that does not answer.
  private static final int CONNECTION_LOST_SECONDS = 30;

  /** Asks Slack for a new connection URL ({@code apps.connections.open}). */
  @FunctionalInterface
  public interface Opener {
    URI open() throws Exception;
  }

  /** Reconnection delays: none for the first try after a drop, then doubling to 30 s. */
  public static final Backoff RECONNECT =
      new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

  private final Opener opener;
  private final Envelopes envelopes;
  private final Backoff backoff;
  private final ScheduledExecutorService connector;
  private final ExecutorService workers;
  private final Set<Connection> connections = new CopyOnWriteArraySet<>();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicBoolean connectPending = new AtomicBoolean();
  private volatile boolean closing;
  private volatile boolean disabled;

  public SocketModeLink(App app, Opener opener, Backoff backoff) {
    this.opener = opener;
    this.envelopes = new Envelopes(app);
    this.backoff = backoff;
    this.connector =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("latchkey-socket-mode").daemon().factory());
    this.workers =
        Executors.newFixedThreadPool(
            WORKERS, Thread.ofPlatform().name("latchkey-socket-work-", 0).daemon().factory());
  }

  /** Asks Slack's Web API, with the app-level token, for a Socket Mode URL. */
  public static Opener opener(Slack slack, String appToken) {
    return () -> {
      AppsConnectionsOpenResponse response = slack.methods(appToken).appsConnectionsOpen(r -> r);
      if (!response.isOk() || response.getUrl() == null) {
        String error = response.getError();
        throw new IllegalStateException(
            "invalid_auth".equals(error) || "not_allowed_token_type".equals(error)
                ? "Slack refused SLACK_APP_TOKEN ("
                    + error
                    + "): use the app-level token (xapp-…) with connections:write"
                : "Slack answered " + error);
      }
      return URI.create(response.getUrl());
    };
  }

  /** Opens the first connection in the background (retried until it succeeds). */
  public void start() {
    scheduleConnect();
  }

  /** True when a connection is open and Slack greeted it ({@code hello}): envelopes can arrive. */
  public boolean connected() {
    return connections.stream().anyMatch(c -> c.greeted && c.isOpen());
  }

  /** Why Slack cannot reach Latchkey now, for readiness; empty when connected. */
  public Optional<String> problem() {
    if (disabled) {
      return Optional.of(
          "slack: Socket Mode is turned off for this app (Slack sent link_disabled): turn it on in"
              + " the app's settings, then restart Latchkey");
    }
    return connected()
        ? Optional.empty()
        : Optional.of("slack: no Socket Mode connection yet (apps.connections.open, then hello)");
  }

  /** How many connections are open now (several while one replaces another). */
  public int openConnections() {
    return (int) connections.stream().filter(Connection::isOpen).count();
  }

  private void scheduleConnect() {
    if (closing || disabled || !connectPending.compareAndSet(false, true)) {
      return;
    }
    Duration delay = backoff.after(failures.get());
    try {
      connector.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      connectPending.set(false);
    }
  }

  /** On the connector thread; {@code connectPending} stays set until it is done. */
  private void connect() {
    if (closing || disabled) {
      connectPending.set(false);
      return;
    }
    failures.incrementAndGet();
    URI uri;
    try {
      uri = opener.open();
    } catch (Exception e) {
      retryLater("apps.connections.open failed (" + e.getMessage() + ")");
      return;
    }
    Connection connection = new Connection(uri);
    connections.add(connection);
    boolean opened;
    try {
      opened = connection.connectBlocking(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      opened = false;
    }
    if (!opened) {
      connections.remove(connection);
      connection.close();
      retryLater("the connection did not open");
      return;
    }
    connectPending.set(false);
  }

  private void retryLater(String why) {
    connectPending.set(false);
    log.warn("Socket Mode: {}; retrying in {} ms", why, backoff.after(failures.get()).toMillis());
    scheduleConnect();
  }

  /** Called when {@code connection} said hello: the ones it replaces may go now. */
  private void greeted(Connection connection) {
    failures.set(0);
    log.info("Socket Mode connected ({} open)", openConnections());
    for (Connection old : connections) {
      if (old != connection && old.replaced) {
        old.close(1000, "replaced by a new connection");
      }
    }
  }

  private void disconnectAsked(Connection connection, String reason) {
    if ("link_disabled".equals(reason)) {
      disabled = true;
      log.error(
          "Socket Mode was turned off for this app in Slack (link_disabled): Slack cannot reach"
              + " Latchkey until it is turned on again and Latchkey restarts");
      return;
    }
    log.info("Socket Mode: Slack asked to reconnect ({}); opening a new connection", reason);
    connection.replaced = true;
    boolean anotherLive =
        connections.stream().anyMatch(c -> c != connection && !c.replaced && c.isOpen());
    if (!anotherLive) {
      scheduleConnect();
    }
  }

  private void closed(Connection connection, int code, String reason) {
    connections.remove(connection);
    if (closing || disabled) {
      return;
    }
    boolean anotherLive = connections.stream().anyMatch(c -> !c.replaced && c.isOpen());
    if (anotherLive) {
      return;
    }
    log.warn(
        "Socket Mode connection closed ({} {}); reconnecting in {} ms",
        code,
        reason,
        backoff.after(failures.get()).toMillis());
    scheduleConnect();
  }

  private void envelope(Connection connection, String message) {
    try {
      workers.execute(
          () -> envelopes.handle(message).ifPresent(ack -> acknowledge(connection, ack)));
    } catch (RejectedExecutionException e) {
      // Stopping: not acknowledged, so Slack delivers it again to the next process.
      log.info("Socket Mode envelope left for Slack to deliver again: Latchkey is stopping");
    }
  }

  private void acknowledge(Connection connection, String ack) {
    if (connection.isOpen()) {
      connection.send(ack);
      return;
    }
    // Its connection closed meanwhile: any open one of the app will do.
    for (Connection other : List.copyOf(connections)) {
      if (other.isOpen()) {
        other.send(ack);
        return;
      }
    }
    log.warn("Socket Mode acknowledgement not sent: no connection open; Slack will deliver again");
  }

  /** Stops reconnecting, lets envelopes in flight be answered (up to 5 s), closes everything. */
  @Override
  public void close() {
    closing = true;
    connector.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(FINISH_WORK.toMillis(), TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    // Not waiting for Slack's side of the close: the process may be on its way out.
    for (Connection connection : connections) {
      connection.close(1000, "Latchkey is stopping");
    }
    connections.clear();
  }

  /** One WebSocket connection to Slack. */
  private final class Connection extends WebSocketClient {
    volatile boolean greeted;
    volatile boolean replaced;

    Connection(URI uri) {
      super(uri);
      setConnectionLostTimeout(CONNECTION_LOST_SECONDS);
      setDaemon(true); // a connection never keeps a stopping process alive
    }

    @Override
    public void onOpen(ServerHandshake handshake) {
      log.debug("Socket Mode connection open; waiting for hello");
    }

    @Override
    public void onMessage(String message) {
      String type = Envelopes.type(message).orElse("");
      switch (type) {
        case "hello" -> {
          greeted = true;
          greeted(this);
        }
        case "disconnect" ->
            disconnectAsked(this, Envelopes.field(message, "reason").orElse("unknown"));
        default -> {
          if (Envelopes.envelopeId(message).isPresent()) {
            envelope(this, message);
          }
        }
      }
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
      closed(this, code, reason);
    }

    @Override
    public void onError(Exception e) {
      // The close that follows does the reconnecting; the message never holds the token.
      log.warn("Socket Mode connection error: {}", e.toString());
    }
  }
}
