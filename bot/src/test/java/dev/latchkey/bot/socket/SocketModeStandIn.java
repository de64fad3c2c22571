package dev.latchkey.bot.socket;

import java.net.URI;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A stand-in for Slack's Socket Mode endpoint on Jetty's WebSocket server: every connection is
 * greeted with {@code hello}; tests send envelopes on a chosen connection, read what Latchkey sent
 * back (acknowledgements), drop connections and send {@code disconnect}.
 */
public final class SocketModeStandIn implements AutoCloseable {
  /** One connection Latchkey opened. */
  public static final class Link implements Session.Listener.AutoDemanding {
    final int number;
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final boolean holdHello;
    volatile Session session;
    volatile boolean closed;

    Link(int number, boolean holdHello) {
      this.number = number;
      this.holdHello = holdHello;
    }

    @Override
    public void onWebSocketOpen(Session session) {
      this.session = session;
      if (!holdHello) {
        greet();
      }
    }

    void greet() {
      send("{\"type\":\"hello\",\"num_connections\":1,\"connection_info\":{\"app_id\":\"A0LK\"}}");
    }

    @Override
    public void onWebSocketText(String message) {
      received.add(message);
    }

    @Override
    public void onWebSocketClose(int status, String reason) {
      closed = true;
    }

    void send(String text) {
      session.sendText(text, Callback.NOOP);
    }

    /** The next message Latchkey sent on this connection, within {@code millis}. */
    String next(long millis) throws InterruptedException {
      return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Gone without a close handshake, as a network failure would leave it. */
    void drop() {
      session.disconnect();
    }

    boolean open() {
      return session != null && session.isOpen() && !closed;
    }
  }

  private final Server server = new Server();
  private final ServerConnector connector = new ServerConnector(server);
  final List<Link> links = new CopyOnWriteArrayList<>();

  /** While set, new connections are not greeted until the test calls {@link Link#greet()}. */
  volatile boolean holdHello;

  SocketModeStandIn() throws Exception {
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(
        WebSocketUpgradeHandler.from(
            server,
            container ->
                container.addMapping(
                    "/link",
                    (request, response, callback) -> {
                      Link link = new Link(links.size(), holdHello);
                      links.add(link);
                      return link;
                    })));
    server.start();
  }

  /** The URL {@code apps.connections.open} hands out. */
  URI url() {
    return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/link");
  }

  Link link(int number) {
    return links.get(number);
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
