package dev.latchkey.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * An open-loop load of one GET over a few HTTP/1.1 connections kept open from one run to the next,
 * as kubectl keeps its connection: the JDK's client opens a new connection for most requests sent
 * at this pace, which would measure TLS handshakes rather than requests. Request i is due at start
 * + i / rate; a free connection takes it, and its latency counts from when it was due, waiting for
 * a connection included.
 */
final class KeptConnections implements AutoCloseable {
  private final SSLContext tls;
  private final URI base;
  private final byte[] request;
  private final BlockingQueue<Connection> idle;
  private final AtomicLong opened = new AtomicLong();

  /** One kept connection. */
  private final class Connection {
    private SSLSocket socket;
    private InputStream in;
    private OutputStream out;

    void open() throws IOException {
      socket = (SSLSocket) tls.getSocketFactory().createSocket(base.getHost(), base.getPort());
      var parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(30_000);
      socket.startHandshake();
      in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      out = socket.getOutputStream();
      opened.incrementAndGet();
    }

    /** Sends the request and reads the whole answer; returns its status. */
    int exchange() throws IOException {
      if (socket == null || socket.isClosed()) {
        open();
      }
      out.write(request);
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.split(" ")[1]);
      long length = -1;
      boolean chunked = false;
      for (String header = line(); !header.isEmpty(); header = line()) {
        String lower = header.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).strip());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          length = length < 0 ? -2 : length;
        }
      }
      if (chunked) {
        for (long size = Long.parseLong(line().split(";")[0].strip(), 16);
            size > 0;
            size = Long.parseLong(line().split(";")[0].strip(), 16)) {
          skip(size);
          line();
        }
        line();
      } else if (length >= 0) {
        skip(length);
      } else {
        close(); // read to the end: the server closes
      }
      return code;
    }

    private String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream(64);
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("the connection closed");
        }
        if (c != '\r') {
          line.write(c);
        }
      }
      return line.toString(StandardCharsets.ISO_8859_1);
    }

    private void skip(long n) throws IOException {
      long left = n;
      while (left > 0) {
        long skipped = in.skip(left);
        if (skipped <= 0) {
          if (in.read() < 0) {
            throw new IOException("the connection closed inside a body");
          }
          skipped = 1;
        }
        left -= skipped;
      }
    }

    void close() {
      try {
        if (socket != null) {
          socket.close();
        }
      } catch (IOException e) {
        // closing anyway
      }
      socket = null;
    }
  }

  /**
   * Opens {@code connections} connections to {@code base} (scheme, host, port) for GETs of {@code
   * path} with the given header lines ({@code Name: value}).
   */
  KeptConnections(SSLContext tls, URI base, String path, int connections, String... headers)
      throws IOException {
    this.tls = tls;
    this.base = base;
    StringBuilder head =
        new StringBuilder("GET ")
            .append(path)
            .append(" HTTP/1.1\r\nHost: ")
            .append(base.getHost())
            .append(':')
            .append(base.getPort())
            .append("\r\nAccept: application/json\r\nUser-Agent: latchkey-bench\r\n");
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    this.request = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    this.idle = new ArrayBlockingQueue<>(connections);
    for (int i = 0; i < connections; i++) {
      Connection connection = new Connection();
      connection.open();
      idle.add(connection);
    }
  }

  /** Connections opened so far, the first ones included (more means some were lost). */
  long opened() {
    return opened.get();
  }

  /** {@code rate} requests a second for {@code seconds}, each answered on a kept connection. */
  OpenLoop.Result run(String kind, int rate, int seconds) throws InterruptedException {
    long total = (long) rate * seconds;
    long periodNanos = 1_000_000_000L / rate;
    ConcurrentHistogram all = new ConcurrentHistogram(OpenLoop.HIGHEST_MICROS, 3);
    Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    LongAdder ok = new LongAdder();
    LongAdder over3s = new LongAdder();
    CountDownLatch done = new CountDownLatch((int) total);
    long maxLag = 0;
    long start = System.nanoTime() + 20_000_000L;
    for (long i = 0; i < total; i++) {
      long intended = start + i * periodNanos;
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        if (wait > 200_000) {
          LockSupport.parkNanos(wait - 100_000);
        } else {
          Thread.onSpinWait();
        }
      }
      maxLag = Math.max(maxLag, System.nanoTime() - intended);
      Thread.ofVirtual()
          .start(
              () -> {
                String error = null;
                Connection connection = null;
                try {
                  connection = idle.take();
                  int status = connection.exchange();
                  if (status != 200) {
                    error = "HTTP " + status;
                  }
                } catch (IOException | RuntimeException e) {
                  error = e.getClass().getSimpleName();
                  if (connection != null) {
                    connection.close(); // opened again by its next request
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  error = "interrupted";
                } finally {
                  if (connection != null) {
                    idle.add(connection);
                  }
                }
                long micros =
                    Math.min(
                        OpenLoop.HIGHEST_MICROS,
                        Math.max(1, (System.nanoTime() - intended) / 1000));
                all.recordValue(micros);
                if (micros > 3_000_000) {
                  over3s.increment();
                }
                if (error == null) {
                  ok.increment();
                } else {
                  errorKinds.computeIfAbsent(kind + ": " + error, k -> new LongAdder()).increment();
                }
                done.countDown();
              });
    }
    boolean finished = done.await(30, TimeUnit.SECONDS);
    Map<String, Long> errors = new TreeMap<>();
    errorKinds.forEach((k, v) -> errors.put(k, v.sum()));
    long unanswered = finished ? 0 : done.getCount();
    if (unanswered > 0) {
      errors.put("unanswered after 30 s", unanswered);
    }
    long failed = errors.values().stream().mapToLong(Long::longValue).sum();
    return new OpenLoop.Result(
        rate,
        seconds,
        total,
        ok.sum(),
        failed,
        over3s.sum() + unanswered,
        all,
        Map.of(kind, all),
        errors,
        maxLag / 1000);
  }

  @Override
  public void close() {
    idle.forEach(Connection::close);
  }
}
