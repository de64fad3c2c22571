package dev.latchkey.gateway;

import dev.latchkey.core.ClusterRef;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the session gateway runs: where it listens, the URL engineers' kubeconfigs name, its TLS
 * identity, the token audience, and the limits that keep it healthy under hostile input. Every
 * default is the safe one; {@link #builder} starts from them.
 *
 * @param bindAddress the address to listen on ({@code 0.0.0.0}: every interface)
 * @param port the HTTPS port (0 picks a free one, for tests)
 * @param publicUrl the gateway as engineers reach it ({@code https://host[:port]}); kubeconfigs
 *     name {@code <publicUrl>/clusters/<customer>/<cluster>}, and a generated certificate names its
 *     host
 * @param certFile a PEM certificate chain to serve; with {@code keyFile}. Without both, Latchkey
 *     makes a CA and a serving certificate in {@code dataDir} at first start
 * @param caFile with {@code certFile}: the PEM CA that issued it, embedded in kubeconfigs (omit for
 *     a publicly trusted certificate)
 * @param audience the audience of gateway tokens: the API server refuses them, only the gateway
 *     accepts them
 * @param headerTimeout how long a client may take to send a request's headers, from the end of its
 *     TLS handshake (itself limited to 10 s or this, whichever is longer), before it is
 *     disconnected
 * @param idleTimeout how long a kept-alive connection may wait for its next request
 * @param reviewCacheTtl how long a token review is reused (at most 10 s)
 * @param cutInterval how often the records are asked about every grant with an open connection (at
 *     most 500 ms, so that a grant's end closes its connections within a second)
 * @param maxRequestBodyBytes the largest request body forwarded (the API server's own limit is 3
 *     MB)
 * @param recordingCapBytes the largest recording of one session, for the recorder
 * @param ioThreads event-loop threads (0: two per core)
 * @param workerThreads threads for token reviews and the records, off the event loops
 */
public record GatewaySettings(
    String bindAddress,
    int port,
    URI publicUrl,
    Optional<Path> certFile,
    Optional<Path> keyFile,
    Optional<Path> caFile,
    Path dataDir,
    String audience,
    Duration headerTimeout,
    Duration idleTimeout,
    Duration connectTimeout,
    Duration reviewCacheTtl,
    Duration cutInterval,
    Duration shutdownGrace,
    int maxInitialLineBytes,
    int maxHeaderBytes,
    long maxRequestBodyBytes,
    long recordingCapBytes,
    int maxConnections,
    int ioThreads,
    int workerThreads) {

  public static final int DEFAULT_PORT = 8443;
  public static final String DEFAULT_AUDIENCE = "latchkey-gateway";

  public GatewaySettings {
    Objects.requireNonNull(bindAddress, "bindAddress");
    if (bindAddress.isBlank()) {
      throw new IllegalArgumentException("the gateway's bind address is empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the gateway's port must be 1 to 65535, not " + port);
    }
    Objects.requireNonNull(publicUrl, "publicUrl");
    if (!"https".equals(publicUrl.getScheme())
        || publicUrl.getHost() == null
        || (publicUrl.getPath() != null
            && !publicUrl.getPath().isEmpty()
            && !publicUrl.getPath().equals("/"))
        || publicUrl.getQuery() != null
        || publicUrl.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "the gateway's public URL must be https://host[:port] without a path, not " + publicUrl);
    }
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(caFile, "caFile");
    if (certFile.isPresent() != keyFile.isPresent()) {
      throw new IllegalArgumentException(
          "the gateway's TLS certificate and key are configured together or not at all");
    }
    if (caFile.isPresent() && certFile.isEmpty()) {
      throw new IllegalArgumentException(
          "the gateway's CA file describes a configured certificate: configure that too");
    }
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(audience, "audience");
    if (audience.isBlank() || audience.length() > 253) {
      throw new IllegalArgumentException("the gateway's token audience is empty or too long");
    }
    positive("headerTimeout", headerTimeout);
    positive("idleTimeout", idleTimeout);
    positive("connectTimeout", connectTimeout);
    positive("reviewCacheTtl", reviewCacheTtl);
    positive("cutInterval", cutInterval);
    positive("shutdownGrace", shutdownGrace);
    if (reviewCacheTtl.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException("token reviews may be reused for at most 10 s");
    }
    if (cutInterval.compareTo(Duration.ofMillis(500)) > 0) {
      throw new IllegalArgumentException(
          "the cut interval is at most 500 ms, so that a grant's end closes its sessions within"
              + " a second");
    }
    if (maxInitialLineBytes < 1024 || maxHeaderBytes < 1024) {
      throw new IllegalArgumentException("request line and header limits are at least 1 KiB");
    }
    if (maxRequestBodyBytes < 1 || recordingCapBytes < 1 || maxConnections < 1) {
      throw new IllegalArgumentException("size and connection limits must be above zero");
    }
    if (ioThreads < 0 || workerThreads < 1) {
      throw new IllegalArgumentException("thread counts: I/O 0 or more, workers 1 or more");
    }
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("the gateway's " + name + " must be above zero");
    }
  }

  /** The URL a kubeconfig for a cluster names: {@code <publicUrl>/clusters/<customer>/<name>}. */
  public String serverUrl(ClusterRef cluster) {
    String base = publicUrl.toString();
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
        + "/clusters/"
        + cluster.customer().value()
        + "/"
        + cluster.name();
  }

  /** Settings with every default, for a gateway reached at {@code publicUrl}. */
  public static Builder builder(URI publicUrl, Path dataDir) {
    return new Builder(publicUrl, dataDir);
  }

  /** Starts from the defaults; each setter replaces one. */
  public static final class Builder {
    private String bindAddress = "0.0.0.0";
    private int port = DEFAULT_PORT;
    private final URI publicUrl;
    private Optional<Path> certFile = Optional.empty();
    private Optional<Path> keyFile = Optional.empty();
    private Optional<Path> caFile = Optional.empty();
    private final Path dataDir;
    private String audience = DEFAULT_AUDIENCE;
    private Duration headerTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofSeconds(90);
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration reviewCacheTtl = Duration.ofSeconds(5);
    private Duration cutInterval = Duration.ofMillis(250);
    private Duration shutdownGrace = Duration.ofSeconds(5);
    private int maxInitialLineBytes = 16 * 1024;
    private int maxHeaderBytes = 32 * 1024;
    private long maxRequestBodyBytes = 4L * 1024 * 1024;
    private long recordingCapBytes = 64L * 1024 * 1024;
    private int maxConnections = 10_000;
    private int ioThreads = 0;
    private int workerThreads = 16;

    private Builder(URI publicUrl, Path dataDir) {
      this.publicUrl = publicUrl;
      this.dataDir = dataDir;
    }

    public Builder bindAddress(String value) {
      this.bindAddress = value;
      return this;
    }

    public Builder port(int value) {
      this.port = value;
      return this;
    }

    /** A configured certificate chain and key (PEM), and the CA kubeconfigs should trust. */
    public Builder tls(Path cert, Path key, Optional<Path> ca) {
      this.certFile = Optional.of(cert);
      this.keyFile = Optional.of(key);
      this.caFile = ca;
      return this;
    }

    public Builder audience(String value) {
      this.audience = value;
      return this;
    }

    public Builder headerTimeout(Duration value) {
      this.headerTimeout = value;
      return this;
    }

    public Builder idleTimeout(Duration value) {
      this.idleTimeout = value;
      return this;
    }

    public Builder connectTimeout(Duration value) {
      this.connectTimeout = value;
      return this;
    }

    public Builder reviewCacheTtl(Duration value) {
      this.reviewCacheTtl = value;
      return this;
    }

    public Builder cutInterval(Duration value) {
      this.cutInterval = value;
      return this;
    }

    public Builder shutdownGrace(Duration value) {
      this.shutdownGrace = value;
      return this;
    }

    public Builder maxInitialLineBytes(int value) {
      this.maxInitialLineBytes = value;
      return this;
    }

    public Builder maxHeaderBytes(int value) {
      this.maxHeaderBytes = value;
      return this;
    }

    public Builder maxRequestBodyBytes(long value) {
      this.maxRequestBodyBytes = value;
      return this;
    }

    public Builder recordingCapBytes(long value) {
      this.recordingCapBytes = value;
      return this;
    }

    public Builder maxConnections(int value) {
      this.maxConnections = value;
      return this;
    }

    public Builder ioThreads(int value) {
      this.ioThreads = value;
      return this;
    }

    public Builder workerThreads(int value) {
      this.workerThreads = value;
      return this;
    }

    public GatewaySettings build() {
      return new GatewaySettings(
          bindAddress,
          port,
          publicUrl,
          certFile,
          keyFile,
          caFile,
          dataDir,
          audience,
          headerTimeout,
          idleTimeout,
          connectTimeout,
          reviewCacheTtl,
          cutInterval,
          shutdownGrace,
          maxInitialLineBytes,
          maxHeaderBytes,
          maxRequestBodyBytes,
          recordingCapBytes,
          maxConnections,
          ioThreads,
          workerThreads);
    }
  }
}
