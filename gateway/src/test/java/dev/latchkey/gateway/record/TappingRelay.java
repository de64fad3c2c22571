package dev.latchkey.gateway.record;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.SessionId;
import dev.latchkey.core.session.StreamKind;
import dev.latchkey.core.session.StreamSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * A pass-through between kubectl and the real API server, TLS on both legs (kubectl sends no
 * credentials over plain HTTP), which copies bytes unchanged and, once the server answers an exec
 * or attach with 101, feeds both directions to a stream tap, as the gateway does.
 */
final class TappingRelay implements AutoCloseable {
  private static final Pattern STREAM_PATH =
      Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/(exec|attach|portforward)");

  /** An upgraded stream the relay saw, and its recording. */
  record Stream(
      String transport,
      String subprotocol,
      StreamSession session,
      MemorySink sink,
      CompletableFuture<StreamTap.RecordingSummary> finished,
      AtomicReference<RecordingFailedException> failure,
      AtomicReference<Function<String, Boolean>> cutter) {

    /**
     * Ends the stream as the gateway does when access ends: stops relaying the server, writes the
     * tap's farewell to the client when it offers one, and closes both legs. Whether it offered.
     */
    boolean cut(String line) {
      return cutter.get().apply(line);
    }
  }

  private final ServerSocket listener;
  private final SSLContext upstreamTls;
  private final String host;
  private final int port;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  final List<Stream> streams = new CopyOnWriteArrayList<>();

  TappingRelay(URI upstream, SSLContext upstreamTls, SSLContext ownTls) throws IOException {
    this.upstreamTls = upstreamTls;
    this.host = upstream.getHost();
    this.port = upstream.getPort();
    this.listener =
        ownTls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.submit(this::accept);
  }

  int port() {
    return listener.getLocalPort();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        threads.submit(() -> relay(client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void relay(Socket client) {
    AtomicReference<Stream> stream = new AtomicReference<>();
    AtomicReference<StreamTap> tap = new AtomicReference<>();
    Object towardsClient = new Object();
    try (client;
        Socket server = upstreamTls.getSocketFactory().createSocket(host, port)) {
      InputStream fromClient = new BufferedInputStream(client.getInputStream());
      InputStream fromServer = new BufferedInputStream(server.getInputStream());
      OutputStream toServer = server.getOutputStream();
      OutputStream toClient = client.getOutputStream();
      byte[] request = head(fromClient);
      toServer.write(request);
      toServer.flush();
      String requestLine =
          new String(request, StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
      var upstream =
          threads.submit(
              () -> {
                try (client;
                    server) {
                  byte[] response = head(fromServer);
                  String head = new String(response, StandardCharsets.ISO_8859_1);
                  if (head.startsWith("HTTP/1.1 101")) {
                    open(requestLine, head)
                        .ifPresent(
                            opened -> {
                              stream.set(opened);
                              tap.set(tapFor(opened));
                              opened
                                  .cutter()
                                  .set(
                                      line ->
                                          cut(
                                              line,
                                              tap.get(),
                                              towardsClient,
                                              toClient,
                                              client,
                                              server));
                            });
                  }
                  toClient.write(response);
                  toClient.flush();
                  copy(fromServer, toClient, stream, tap, towardsClient);
                }
                return null;
              });
      try (client;
          server) {
        copy(fromClient, toServer, stream, tap, null);
      }
      upstream.get();
    } catch (Exception e) {
      // The connection is over; what the tap saw is in its recording.
    } finally {
      if (tap.get() != null) {
        stream.get().finished().complete(tap.get().finish());
      }
    }
  }

  private Optional<Stream> open(String requestLine, String responseHead) {
    Matcher path = STREAM_PATH.matcher(requestLine);
    if (!path.find()) {
      return Optional.empty();
    }
    String query = requestLine.replaceFirst("^\\S+ [^?]*\\??", "").replaceFirst(" HTTP/.*$", "");
    List<String> command = new ArrayList<>();
    Optional<String> container = Optional.empty();
    boolean tty = false;
    for (String pair : query.split("&")) {
      String[] kv = pair.split("=", 2);
      String value = kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
      switch (kv[0]) {
        case "command" -> command.add(value);
        case "container" -> container = Optional.of(value);
        case "tty" -> tty = value.equals("true") || value.equals("1");
        default -> {}
      }
    }
    Random random = new Random();
    StreamSession session =
        new StreamSession(
            SessionId.random(random),
            RequestId.random(random),
            new ClusterRef(new CustomerId("it"), "real"),
            switch (path.group(3)) {
              case "exec" -> StreamKind.EXEC;
              case "attach" -> StreamKind.ATTACH;
              default -> StreamKind.PORT_FORWARD;
            },
            path.group(1),
            path.group(2),
            container,
            command,
            tty,
            Instant.now());
    String upgrade = header(responseHead, "Upgrade");
    String protocol =
        upgrade.equalsIgnoreCase("websocket")
            ? header(responseHead, "Sec-WebSocket-Protocol")
            : header(responseHead, "X-Stream-Protocol-Version");
    Stream stream =
        new Stream(
            upgrade,
            protocol,
            session,
            new MemorySink(),
            new CompletableFuture<>(),
            new AtomicReference<>(),
            new AtomicReference<>());
    streams.add(stream);
    return Optional.of(stream);
  }

  private static StreamTap tapFor(Stream stream) {
    return StreamTaps.open(
        stream.session(),
        stream.transport(),
        stream.subprotocol(),
        stream.sink(),
        System::nanoTime,
        Clock.systemUTC(),
        1 << 20);
  }

  private static String header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return "";
  }

  private static boolean cut(
      String line, StreamTap tap, Object towardsClient, OutputStream toClient, Socket... legs) {
    synchronized (towardsClient) {
      Optional<ByteBuf> farewell = tap.farewell(line);
      try {
        if (farewell.isPresent()) {
          toClient.write(ByteBufUtil.getBytes(farewell.get()));
          toClient.flush();
          farewell.get().release();
        }
        for (Socket leg : legs) {
          leg.close();
        }
      } catch (IOException e) {
        // already closed
      }
      return farewell.isPresent();
    }
  }

  /**
   * Copies until the end; a tap that fails closes the connection, as the gateway does. Towards the
   * client ({@code towardsClient} not null) each read is tapped and written under that lock, so a
   * cut falls between two reads.
   */
  private static void copy(
      InputStream in,
      OutputStream out,
      AtomicReference<Stream> stream,
      AtomicReference<StreamTap> tap,
      Object towardsClient) {
    byte[] buffer = new byte[16 * 1024];
    Object lock = towardsClient == null ? new Object() : towardsClient;
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        synchronized (lock) {
          StreamTap current = tap.get();
          if (current != null) {
            var view = Unpooled.wrappedBuffer(buffer, 0, n).asReadOnly();
            if (towardsClient == null) {
              current.fromClient(view);
            } else {
              current.fromServer(view);
            }
            current.store();
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      }
    } catch (RecordingFailedException e) {
      stream.get().failure().compareAndSet(null, e);
    } catch (IOException e) {
      // closed by the other direction
    }
  }

  /** Reads an HTTP head, up to and including its blank line. */
  private static byte[] head(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed in the head");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
    }
    return head.toByteArray();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    threads.shutdownNow();
  }
}
