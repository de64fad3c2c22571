package dev.latchkey.gateway;

import dev.latchkey.gateway.tls.GatewayCertificates;
import dev.latchkey.gateway.tls.ServerIdentity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in API server on loopback, over TLS: it records every request it receives, answers plain
 * requests with a JSON echo of what it saw, keeps {@code watch=true} requests open (events are
 * pushed by the test), counts request bodies, and upgrades exec/attach/port-forward requests to an
 * echo stream that greets with {@code ready\n}; a pod named {@code forbidden} refuses upgrades with
 * 403, and one named {@code oneshot} says {@code ready\nbye\n} and ends its stream at once.
 */
final class FakeApiServer implements AutoCloseable {
  static final String OWN_TOKEN = "latchkey-own-token";

  record Seen(String method, String uri, HttpHeaders headers) {}

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final List<Channel> watches = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();

  /** How many {@code oneshot} streams this server has ended. */
  final AtomicInteger oneshotsEnded = new AtomicInteger();

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  private final ServerIdentity identity;

  FakeApiServer(Path dataDir) throws Exception {
    identity =
        GatewayCertificates.load(
            GatewaySettings.builder(URI.create("https://127.0.0.1"), dataDir).build(),
            Clock.systemUTC());
    var tls = SslContextBuilder.forServer(identity.key(), identity.chain()).build();
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.incrementAndGet();
                    ch.pipeline()
                        .addLast(tls.newHandler(ch.alloc()))
                        .addLast("http", new HttpServerCodec())
                        .addLast("api", new Api());
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Latchkey's client configuration for this server: its CA, a token of Latchkey's own. */
  Config config() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl("https://127.0.0.1:" + port())
        .withCaCertData(identity.caCertData().orElseThrow())
        .withOauthToken(OWN_TOKEN)
        .build();
  }

  /** Sends one watch event (a JSON line) on every open watch. */
  void pushEvent(String json) {
    for (Channel watch : watches) {
      watch.writeAndFlush(
          new DefaultHttpContent(Unpooled.copiedBuffer(json + "\n", StandardCharsets.UTF_8)));
    }
  }

  private final class Api extends ChannelInboundHandlerAdapter {
    private HttpRequest request;
    private long bodyBytes;

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest r) {
        request = r;
        bodyBytes = 0;
        seen.add(new Seen(r.method().name(), r.uri(), r.headers().copy()));
        if (r.headers().contains(HttpHeaderNames.UPGRADE)) {
          upgrade(ctx, r);
          return;
        }
      }
      if (msg instanceof HttpContent content) {
        bodyBytes += content.content().readableBytes();
        content.release();
        if (content instanceof LastHttpContent) {
          answer(ctx);
        }
      }
    }

    private void answer(ChannelHandlerContext ctx) {
      String uri = request.uri();
      if (uri.contains("watch=true")) {
        DefaultHttpResponse head =
            new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(head, true);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        ctx.write(head);
        ctx.writeAndFlush(
            new DefaultHttpContent(
                Unpooled.copiedBuffer("{\"type\":\"ADDED\"}\n", StandardCharsets.UTF_8)));
        watches.add(ctx.channel());
        ctx.channel().closeFuture().addListener(f -> watches.remove(ctx.channel()));
        return;
      }
      String body =
          "{\"method\":\""
              + request.method()
              + "\",\"uri\":\""
              + uri.replace("\"", "'")
              + "\",\"bodyBytes\":"
              + bodyBytes
              + "}";
      ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
      DefaultFullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              request.method().name().equals("POST")
                  ? HttpResponseStatus.CREATED
                  : HttpResponseStatus.OK,
              content);
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
      ctx.writeAndFlush(response);
    }

    private void upgrade(ChannelHandlerContext ctx, HttpRequest r) {
      if (r.uri().contains("/pods/forbidden/")) {
        ByteBuf content =
            Unpooled.copiedBuffer(
                "{\"kind\":\"Status\",\"code\":403,\"message\":\"exec forbidden\"}",
                StandardCharsets.UTF_8);
        DefaultFullHttpResponse refused =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN, content);
        refused.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        ctx.writeAndFlush(refused).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      String protocol = r.headers().get(HttpHeaderNames.UPGRADE);
      HttpHeaders headers = new DefaultHttpHeaders();
      headers.set(HttpHeaderNames.UPGRADE, protocol);
      headers.set(HttpHeaderNames.CONNECTION, "Upgrade");
      if (protocol.equalsIgnoreCase("websocket")) {
        String offered = r.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "");
        headers.set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, offered.split(",")[0].strip());
        headers.set(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, "accepted");
      } else {
        headers.set("X-Stream-Protocol-Version", r.headers().get("X-Stream-Protocol-Version", ""));
      }
      ctx.writeAndFlush(
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.SWITCHING_PROTOCOLS,
              Unpooled.EMPTY_BUFFER,
              headers,
              new DefaultHttpHeaders()));
      ctx.pipeline().remove("http");
      ctx.pipeline().replace(this, "echo", new Echo());
      if (r.uri().contains("/pods/oneshot/")) {
        ctx.channel()
            .writeAndFlush(Unpooled.copiedBuffer("ready\nbye\n", StandardCharsets.UTF_8))
            .addListener(ChannelFutureListener.CLOSE)
            .addListener(f -> oneshotsEnded.incrementAndGet());
        return;
      }
      ctx.channel().writeAndFlush(Unpooled.copiedBuffer("ready\n", StandardCharsets.UTF_8));
    }
  }

  /** The stream after an upgrade: every byte comes back. */
  private static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf) {
        ctx.writeAndFlush(msg);
      } else {
        io.netty.util.ReferenceCountUtil.release(msg);
      }
    }
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
