package dev.latchkey.bench;

import dev.latchkey.gateway.GatewaySettings;
import dev.latchkey.gateway.tls.GatewayCertificates;
import dev.latchkey.gateway.tls.ServerIdentity;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;

/**
 * The floor of any gateway that reads what passes: a relay that ends the client's TLS and opens its
 * own to the API server, and between them only moves bytes (no HTTP, no checks, no records), with
 * the gateway's TLS engine, sockets and certificate kind. What a stream loses through it is what
 * the extra hop alone costs on this machine.
 */
final class TlsPipe implements AutoCloseable {
  private static final boolean EPOLL = Epoll.isAvailable();

  private final EventLoopGroup loops;
  private final Channel server;
  private final String caData;

  TlsPipe(Path dir, URI upstream, String upstreamCaData) throws Exception {
    SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    this.loops =
        new MultiThreadIoEventLoopGroup(
            2, EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    int port = GatewayHost.freePort();
    GatewaySettings settings =
        GatewaySettings.builder(URI.create("https://127.0.0.1:" + port), dir).build();
    ServerIdentity identity = GatewayCertificates.load(settings, Clock.systemUTC());
    this.caData = identity.caCertData().orElseThrow();
    SslContext serverTls =
        SslContextBuilder.forServer(identity.key(), identity.chain())
            .sslProvider(provider)
            .protocols("TLSv1.3", "TLSv1.2")
            .build();
    SslContext clientTls =
        SslContextBuilder.forClient()
            .sslProvider(provider)
            .protocols("TLSv1.3", "TLSv1.2")
            .trustManager(
                new ByteArrayInputStream(
                    Base64.getDecoder().decode(upstreamCaData.getBytes(StandardCharsets.US_ASCII))))
            .build();
    InetSocketAddress target = new InetSocketAddress(upstream.getHost(), upstream.getPort());
    this.server =
        new ServerBootstrap()
            .group(loops)
            .channel(EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel client) {
                    client
                        .pipeline()
                        .addLast(serverTls.newHandler(client.alloc()))
                        .addLast(new Front(clientTls, target, upstream.getHost()));
                  }
                })
            .bind("127.0.0.1", port)
            .sync()
            .channel();
  }

  /** The pipe's URL: what a kubeconfig names as its server. */
  String server() {
    return "https://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** The pipe's CA, as a kubeconfig embeds it (base64 PEM). */
  String caData() {
    return caData;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * The client's side: connects upstream, then both sides read freely, a side pausing while its
   * peer cannot take more (so a fast producer waits for a slow consumer, as a proxy must).
   */
  private static final class Front extends Relay {
    private final SslContext tls;
    private final InetSocketAddress target;
    private final String host;
    private final java.util.List<Object> early = new java.util.ArrayList<>();

    Front(SslContext tls, InetSocketAddress target, String host) {
      this.tls = tls;
      this.target = target;
      this.host = host;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      Relay back = new Relay();
      back.peer = client;
      new Bootstrap()
          .group(client.eventLoop())
          .channel(EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(
              new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                  ch.pipeline()
                      .addLast(tls.newHandler(ch.alloc(), host, target.getPort()))
                      .addLast(back);
                }
              })
          .connect(target)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      peer = f.channel();
                      early.forEach(peer::write);
                      early.clear();
                      peer.flush();
                      client.config().setAutoRead(true);
                    } else {
                      early.forEach(io.netty.util.ReferenceCountUtil::release);
                      early.clear();
                      client.close();
                    }
                  });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (peer == null) {
        early.add(msg); // what came with the handshake, before the API server answered
      } else {
        super.channelRead(ctx, msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (peer != null) {
        super.channelReadComplete(ctx);
      }
    }
  }

  /** One side of the relay: what it reads goes to its peer. */
  private static class Relay extends ChannelInboundHandlerAdapter {
    Channel peer;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      peer.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      peer.flush();
      if (!peer.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable() && peer != null) {
        peer.config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closeAfterFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      closeAfterFlush(ctx.channel());
    }
  }

  private static void closeAfterFlush(Channel channel) {
    if (channel != null && channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
