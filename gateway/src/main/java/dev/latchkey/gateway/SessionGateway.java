package dev.latchkey.gateway;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.gateway.tls.GatewayCertificates;
import dev.latchkey.gateway.tls.ServerIdentity;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session gateway: an HTTPS server (HTTP/1.1 only) through which every gateway-mode connection
 * of an engineer reaches a cluster, as the grant's own ServiceAccount, and which closes every
 * connection of a grant within a second of its end.
 */
public final class SessionGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SessionGateway.class);
  private static final long ACTIVITY_FLUSH_MILLIS = 200;
  private static final long TOKEN_REFRESH_SECONDS = 60;

  /** The longest a TLS handshake may take (Netty's default); the header timeout starts after it. */
  private static final long HANDSHAKE_MILLIS = 10_000;

  private final GatewaySettings settings;
  private final ServerIdentity identity;
  private final List<GatewayCluster> clusters;
  private final EventLoopGroup boss;
  private final EventLoopGroup io;
  private final ChannelGroup channels;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final GatewayContext context;
  private final GrantCutter cutter;
  private final Channel server;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SessionGateway(
      GatewaySettings settings, List<GatewayCluster> clusters, GatewayServices services)
      throws SSLException, InterruptedException {
    this.settings = settings;
    this.clusters = List.copyOf(clusters);
    this.identity = GatewayCertificates.load(settings, services.clock());
    Map<String, GatewayContext.Upstream> upstreams = new HashMap<>();
    for (GatewayCluster cluster : clusters) {
      String key = cluster.ref().customer().value() + "/" + cluster.ref().name();
      upstreams.put(key, new GatewayContext.Upstream(cluster, Upstreams.tls(cluster.upstream())));
    }
    this.workers =
        new ThreadPoolExecutor(
            settings.workerThreads(),
            settings.workerThreads(),
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(4096),
            new DefaultThreadFactory("latchkey-gateway-worker", true));
    ((ThreadPoolExecutor) workers).allowCoreThreadTimeOut(true);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("latchkey-gateway-timer", true));
    ConnectionRegistry registry = new ConnectionRegistry();
    EndCauses causes = new EndCauses(services.requests());
    Authorizer authorizer =
        new Authorizer(
            settings.audience(),
            settings.reviewCacheTtl(),
            services.admit(),
            causes,
            registry,
            services.clock(),
            services.nanoTicker(),
            workers);
    this.context =
        new GatewayContext(
            settings,
            services,
            upstreams,
            authorizer,
            registry,
            new ActivityWriter(services.activity(), 100_000),
            new SessionTracker(),
            workers);
    this.cutter = new GrantCutter(registry, services.admit(), causes, services.clock());
    this.boss = new MultiThreadIoEventLoopGroup(1, GatewayTransport.chosen().ioHandlers());
    this.io =
        new MultiThreadIoEventLoopGroup(
            settings.ioThreads(), GatewayTransport.chosen().ioHandlers());
    this.channels = new DefaultChannelGroup("latchkey-gateway", GlobalEventExecutor.INSTANCE);
    try {
      this.server = bind(serverTls());
    } catch (RuntimeException | InterruptedException | SSLException e) {
      shutDownExecutors();
      throw e;
    }
    long cutMillis = settings.cutInterval().toMillis();
    timer.scheduleWithFixedDelay(cutter, cutMillis, cutMillis, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(
        context.activity::flush,
        ACTIVITY_FLUSH_MILLIS,
        ACTIVITY_FLUSH_MILLIS,
        TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(
        this::refreshTokens, TOKEN_REFRESH_SECONDS, TOKEN_REFRESH_SECONDS, TimeUnit.SECONDS);
    log.info(
        "session gateway listening on {}:{} for {} cluster(s), public URL {}",
        settings.bindAddress(),
        port(),
        clusters.size(),
        settings.publicUrl());
  }

  /**
   * Starts the gateway: loads (or makes) its TLS identity and listens. Fails with a clear message
   * when the port is taken or the TLS files cannot be used.
   */
  public static SessionGateway start(
      GatewaySettings settings, List<GatewayCluster> clusters, GatewayServices services) {
    try {
      return new SessionGateway(settings, clusters, services);
    } catch (SSLException e) {
      throw new IllegalStateException("the gateway's TLS set-up failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the gateway", e);
    }
  }

  private SslContext serverTls() throws SSLException {
    return SslContextBuilder.forServer(identity.key(), identity.chain())
        .sslProvider(GatewayTls.provider())
        .protocols("TLSv1.3", "TLSv1.2")
        .applicationProtocolConfig(
            new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_1_1))
        .build();
  }

  private Channel bind(SslContext tls) throws InterruptedException {
    ConnectionLimit limit = new ConnectionLimit(settings.maxConnections());
    HttpDecoderConfig decoding =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(settings.maxInitialLineBytes())
            .setMaxHeaderSize(settings.maxHeaderBytes())
            .setMaxChunkSize(64 * 1024);
    long headerNanos = settings.headerTimeout().toNanos();
    long handshakeMillis = Math.max(settings.headerTimeout().toMillis(), HANDSHAKE_MILLIS);
    long idleNanos = settings.idleTimeout().toNanos();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, io)
            .channel(GatewayTransport.chosen().serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channels.add(channel);
                    SslHandler ssl = tls.newHandler(channel.alloc());
                    ssl.setHandshakeTimeoutMillis(handshakeMillis);
                    RequestDeadline deadline = new RequestDeadline(headerNanos, idleNanos);
                    channel
                        .pipeline()
                        .addLast("limit", limit)
                        .addLast("tls", ssl)
                        .addLast("deadline", deadline)
                        .addLast("http", new HttpServerCodec(decoding))
                        .addLast("gateway", new FrontendHandler(context, deadline));
                  }
                });
    return bootstrap
        .bind(new InetSocketAddress(settings.bindAddress(), settings.port()))
        .sync()
        .channel();
  }

  /** The port the gateway listens on (the configured one, or the one picked for port 0). */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /**
   * The base64 PEM of the CA engineers' kubeconfigs trust (a kubeconfig's {@code
   * certificate-authority-data}); empty for a configured, publicly trusted certificate.
   */
  public Optional<String> caCertData() {
    return identity.caCertData();
  }

  /** The server URL of a kubeconfig for {@code cluster}. */
  public String serverUrl(ClusterRef cluster) {
    return settings.serverUrl(cluster);
  }

  /**
   * Ends a grant in this process at once (the bot calls it when it ends one): every connection of
   * it closes, with a last line on a terminal, and none opens again. Other processes learn it from
   * the records within the cut interval.
   */
  public void cut(RequestId id, SessionEnd.Cause cause) {
    cutter.cut(id, cause);
  }

  private void refreshTokens() {
    for (GatewayCluster cluster : clusters) {
      try {
        workers.execute(cluster.upstream()::refreshToken);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        log.debug("token refresh for {} skipped: workers busy", cluster.ref());
      }
    }
  }

  /**
   * Stops: no new connections; every open session ends ({@code GATEWAY_STOPPING}, recorded), then
   * everything else closes. Waits at most the shutdown grace for the records.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.close().awaitUninterruptibly();
    timer.shutdownNow();
    for (ConnectionRegistry.Connection connection : context.registry.all()) {
      connection.cut(
          SessionEnd.Cause.GATEWAY_STOPPING,
          EndCauses.line(connection.grant(), SessionEnd.Cause.GATEWAY_STOPPING));
    }
    try {
      if (!context.sessions.awaitNone(settings.shutdownGrace(), context.services.nanoTicker())) {
        log.warn("{} gateway session(s) not recorded as ended in time", context.sessions.open());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channels.close().awaitUninterruptibly(settings.shutdownGrace().toMillis());
    context.activity.flush();
    shutDownExecutors();
    log.info("session gateway stopped");
  }

  private void shutDownExecutors() {
    timer.shutdownNow();
    workers.shutdown();
    try {
      workers.awaitTermination(settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    io.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
  }
}
