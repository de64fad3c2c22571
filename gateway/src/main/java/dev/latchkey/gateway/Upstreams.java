package dev.latchkey.gateway;

import dev.latchkey.k8s.ApiServerUpstream;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.NoopAddressResolverGroup;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Opens connections to API servers: HTTP/1.1 over TLS (an upgrade needs HTTP/1.1 end to end),
 * trusting what Latchkey's own client trusts, authenticated as Latchkey. Names are resolved on a
 * worker, never on an event loop.
 */
final class Upstreams {
  private final Executor workers;
  private final GatewaySettings settings;

  Upstreams(Executor workers, GatewaySettings settings) {
    this.workers = workers;
    this.settings = settings;
  }

  /** TLS towards one API server, as its client configuration describes it. */
  static SslContext tls(ApiServerUpstream api) throws SSLException {
    SslContextBuilder builder =
        SslContextBuilder.forClient()
            .sslProvider(GatewayTls.provider())
            .protocols("TLSv1.3", "TLSv1.2")
            .trustManager(api.trustManager())
            .endpointIdentificationAlgorithm(api.verifyHostname() ? "HTTPS" : null);
    api.keyManager().ifPresent(builder::keyManager);
    return builder.build();
  }

  /** Connects on {@code client}'s event loop; exactly one of the callbacks runs, on that loop. */
  void connect(
      Channel client,
      GatewayContext.Upstream target,
      UpstreamHandler handler,
      Consumer<Channel> connected,
      Consumer<Throwable> failed) {
    ApiServerUpstream api = target.cluster().upstream();
    String host = api.server().getHost();
    int port = api.port();
    CompletableFuture.supplyAsync(() -> resolve(host, port), workers)
        .whenComplete(
            (address, failure) ->
                client
                    .eventLoop()
                    .execute(
                        () -> {
                          if (failure != null) {
                            failed.accept(failure);
                            return;
                          }
                          open(client, target.tls(), host, port, address, handler)
                              .addListener(
                                  done -> {
                                    Channel channel =
                                        ((io.netty.channel.ChannelFuture) done).channel();
                                    if (done.isSuccess()) {
                                      connected.accept(channel);
                                    } else {
                                      failed.accept(done.cause());
                                    }
                                  });
                        }));
  }

  private io.netty.channel.ChannelFuture open(
      Channel client,
      SslContext tls,
      String host,
      int port,
      InetSocketAddress address,
      UpstreamHandler handler) {
    HttpDecoderConfig decoding =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(settings.maxInitialLineBytes())
            .setMaxHeaderSize(Math.max(settings.maxHeaderBytes(), 64 * 1024))
            .setMaxChunkSize(64 * 1024);
    return new Bootstrap()
        .group(client.eventLoop())
        .channel(GatewayTransport.chosen().channel())
        .resolver(NoopAddressResolverGroup.INSTANCE)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel channel) {
                SslHandler ssl = tls.newHandler(channel.alloc(), host, port);
                ssl.setHandshakeTimeoutMillis(settings.connectTimeout().toMillis());
                channel
                    .pipeline()
                    .addLast("tls", ssl)
                    .addLast("http", new HttpClientCodec(decoding, false, false))
                    .addLast("gateway", handler);
              }
            })
        .connect(address);
  }

  private static InetSocketAddress resolve(String host, int port) {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new CompletionException(new UnknownHostException(host));
    }
    return address;
  }

  /** One line for a person about why an API server could not be reached. */
  static String describe(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return switch (cause) {
      case UnknownHostException e -> "unknown host " + e.getMessage();
      case io.netty.channel.ConnectTimeoutException e -> "connection timed out";
      case java.net.ConnectException e -> "connection refused";
      case SSLException e -> "TLS failed (" + e.getMessage() + ")";
      case ClosedChannelException e -> "the connection closed";
      default -> cause.getClass().getSimpleName();
    };
  }
}
