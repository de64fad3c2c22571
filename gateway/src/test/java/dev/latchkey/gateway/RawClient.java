package dev.latchkey.gateway;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A bare HTTP/1.1 client over TLS for tests: it sends exactly the bytes it is given and reads
 * answers byte by byte, so malformed, slow and upgraded conversations can be played.
 */
final class RawClient implements AutoCloseable {
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final SSLSocket socket;
  private final InputStream in;
  private final OutputStream out;

  RawClient(int port, String caCertData) throws Exception {
    X509Certificate ca =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(
                    new ByteArrayInputStream(Base64.getDecoder().decode(caCertData)));
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, factory.getTrustManagers(), null);
    socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
    var parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
    socket.setSSLParameters(parameters);
    socket.setSoTimeout(5000);
    socket.startHandshake();
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  String negotiatedProtocol() {
    return socket.getApplicationProtocol();
  }

  RawClient send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawClient send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** A GET with a bearer token and any extra header lines ({@code Name: value}). */
  RawClient get(String path, String token, String... extra) throws IOException {
    StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: gateway\r\n");
    if (token != null) {
      request.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    for (String line : extra) {
      request.append(line).append("\r\n");
    }
    return send(request.append("\r\n").toString());
  }

  /** Reads one response: status line, headers, and a Content-Length or chunked body. */
  Response response() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, String> headers = headers();
    String body;
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      while (true) {
        int size = Integer.parseInt(line().strip(), 16);
        if (size == 0) {
          line();
          break;
        }
        all.write(in.readNBytes(size));
        line();
      }
      body = all.toString(StandardCharsets.UTF_8);
    } else if (headers.containsKey("content-length")) {
      body =
          new String(
              in.readNBytes(Integer.parseInt(headers.get("content-length"))),
              StandardCharsets.UTF_8);
    } else {
      body = "";
    }
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, body);
  }

  /** Reads a response head only (for streams and watches). */
  Response head() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    return new Response(Integer.parseInt(status.split(" ")[1]), headers(), "");
  }

  private Map<String, String> headers() throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(); h != null && !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.put(
          h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
    }
    return headers;
  }

  /** One CRLF-terminated line, without it; null at the end of the stream. */
  String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] bytes = line.toByteArray();
        int length =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
      }
      line.write(c);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
  }

  /** Reads until {@code text} has arrived; returns everything read. */
  String readUntil(String text) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      seen.write(c);
      if (seen.toString(StandardCharsets.UTF_8).endsWith(text)) {
        return seen.toString(StandardCharsets.UTF_8);
      }
    }
    throw new IOException("closed before " + text + "; got: " + seen);
  }

  /** Whether nothing arrives within {@code millis}; a byte that does is lost to later reads. */
  boolean quietFor(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      in.read();
      return false;
    } catch (SocketTimeoutException e) {
      return true;
    } finally {
      socket.setSoTimeout(5000);
    }
  }

  /** Everything until the server closes the connection (within the socket timeout). */
  String readToEnd() throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    try {
      int c;
      while ((c = in.read()) >= 0) {
        seen.write(c);
      }
    } catch (SocketTimeoutException e) {
      throw new IOException("still open after reading: " + seen, e);
    } catch (IOException e) {
      // A reset after the last bytes is an end too.
    }
    return seen.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
