package dev.latchkey.gateway;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.GatewayGrant;
import dev.latchkey.core.session.SessionEnd;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: each request is checked, authorized (token, then the records), refused if
 * it addresses a protected namespace, and forwarded as the grant's ServiceAccount through the
 * connection's {@link UpstreamLeg}; an upgrade becomes a {@link StreamRelay}. Every method runs on
 * the connection's event loop, which its API server connection shares.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter
    implements ConnectionRegistry.Connection, UpstreamLeg.Events {
  private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

  private enum State {
    IDLE,
    AUTHORIZING,
    FORWARDING,
    UPGRADING,
    STREAMING,
    CLOSED
  }

  private final GatewayContext gw;
  private final RequestDeadline deadline;
  private final PendingInput pending = new PendingInput();
  private Channel client;
  private UpstreamLeg upstream;
  private State state = State.IDLE;
  private HttpRequest head;
  private Exchange exchange;
  private StreamRelay relay;
  private volatile RequestId boundGrant;
  private volatile Instant tokenExpiresAt = Instant.MAX;

  FrontendHandler(GatewayContext gw, RequestDeadline deadline) {
    this.gw = gw;
    this.deadline = deadline;
  }

  @Override
  public RequestId grant() {
    return boundGrant;
  }

  @Override
  public Instant tokenExpiresAt() {
    return tokenExpiresAt;
  }

  @Override
  public void cut(SessionEnd.Cause cause, String line) {
    onLoop(
        () -> {
          if (relay != null) {
            relay.cut(cause, line);
          } else if (state != State.CLOSED) {
            client.close();
          }
        });
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    client = ctx.channel();
    upstream = new UpstreamLeg(gw, client, this);
  }

  // ---------------------------------------------------------------- from the client

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case IDLE -> {
        if (msg instanceof HttpRequest request) {
          begin(request);
        } else {
          ReferenceCountUtil.release(msg);
        }
      }
      case FORWARDING -> {
        if (upstream.connected() && !exchange.requestComplete && msg instanceof HttpContent c) {
          forwardBody(c);
        } else {
          queue(msg);
        }
      }
      case STREAMING -> {
        if (msg instanceof ByteBuf bytes) {
          relay.fromClient(bytes);
        } else {
          ReferenceCountUtil.release(msg);
        }
      }
      case CLOSED -> ReferenceCountUtil.release(msg);
      default -> queue(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state == State.FORWARDING || state == State.STREAMING) {
      upstream.flush();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (client.isWritable()) {
      upstream.readAgain(true);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state = State.CLOSED;
    if (relay != null) {
      relay.clientClosed(); // closes the API server's side once what waits has passed
    } else {
      if (exchange != null && exchange.grant != null && !exchange.responseComplete) {
        logLine();
      }
      upstream.close();
    }
    RequestId grant = boundGrant;
    if (grant != null) {
      gw.registry.unbind(this, grant);
    }
    pending.releaseAll();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("client connection failed: {}", cause.toString());
    if (relay != null) {
      relay.failed();
    }
    ctx.close();
  }

  private void queue(Object msg) {
    if (msg instanceof LastHttpContent && exchange != null && !pending.holdsRequest()) {
      exchange.requestComplete = true;
    }
    if (!pending.add(msg)) {
      client.config().setAutoRead(false);
    }
  }

  // ---------------------------------------------------------------- a request arrives

  private void begin(HttpRequest request) {
    deadline.requestArrived();
    head = request;
    exchange =
        new Exchange(
            request.method().name(),
            HttpUtil.isKeepAlive(request),
            gw.nanos(),
            gw.services.clock().instant());
    RequestCheck.Verdict.Pass pass;
    switch (RequestCheck.check(request, gw.clusters, gw.settings.maxRequestBodyBytes())) {
      case RequestCheck.Verdict.Refuse refused -> {
        refuse(refused.status(), refused.message(), Optional.empty(), refused.close());
        return;
      }
      case RequestCheck.Verdict.Pass passed -> pass = passed;
    }
    exchange.route = pass.route();
    exchange.upstream = pass.upstream();
    exchange.kube = pass.kube();
    if (pass.upgrade()) {
      exchange.upgrade = true;
      exchange.closeAfter = true;
      // From here the client's bytes are the stream's (or nothing): no HTTP decoding any more.
      client.pipeline().replace("http", "http-out", new HttpResponseEncoder());
    }
    state = State.AUTHORIZING;
    client.config().setAutoRead(false);
    Exchange current = exchange;
    gw.authorizer
        .authorize(exchange.upstream.cluster(), pass.token(), exchange.kube)
        .whenComplete((decision, failure) -> onLoop(() -> authorized(current, decision)));
  }

  private void authorized(Exchange current, Authorizer.Decision decision) {
    if (state == State.CLOSED || current != exchange) {
      return;
    }
    switch (decision) {
      case Authorizer.Decision.Denied denied ->
          refuse(denied.status(), denied.message(), denied.grant(), !exchange.requestComplete);
      case Authorizer.Decision.Allowed allowed -> {
        GatewayGrant grant = allowed.grant();
        if (!bindTo(grant)) {
          refuse(
              HttpResponseStatus.FORBIDDEN,
              EndCauses.line(grant.id(), SessionEnd.Cause.GRANT_ENDED),
              Optional.of(grant.id()),
              !exchange.requestComplete);
          return;
        }
        tokenExpiresAt = allowed.tokenExpiresAt();
        exchange.grant = grant;
        forward();
      }
    }
  }

  private boolean bindTo(GatewayGrant grant) {
    RequestId previous = boundGrant;
    if (previous != null && !previous.equals(grant.id())) {
      gw.registry.unbind(this, previous);
      boundGrant = null;
    }
    if (!gw.registry.bind(this, grant)) {
      return false;
    }
    boundGrant = grant.id();
    return true;
  }

  // ---------------------------------------------------------------- towards the API server

  private void forward() {
    HttpRequest out = ForwardedHeaders.upstreamRequest(head, exchange);
    if (!exchange.upgrade && HttpUtil.is100ContinueExpected(head)) {
      client.writeAndFlush(
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    state = exchange.upgrade ? State.UPGRADING : State.FORWARDING;
    upstream.send(exchange, out, this::sent);
  }

  private void sent() {
    if (!exchange.upgrade) {
      while (!pending.isEmpty() && pending.peek() instanceof HttpContent) {
        if (!forwardBody((HttpContent) pending.poll())) {
          return;
        }
      }
    }
    upstream.flush();
    client.config().setAutoRead(upstream.writable());
  }

  /** Forwards a piece of the request body; false when it is malformed or outgrew the limit. */
  private boolean forwardBody(HttpContent content) {
    exchange.requestBytes += content.content().readableBytes();
    if (content.decoderResult().isFailure()) {
      content.release();
      refuse(HttpResponseStatus.BAD_REQUEST, "malformed request body", Optional.empty(), true);
      return false;
    }
    if (exchange.requestBytes > gw.settings.maxRequestBodyBytes()) {
      content.release();
      refuse(
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          RequestCheck.tooLarge(gw.settings.maxRequestBodyBytes()),
          Optional.empty(),
          true);
      return false;
    }
    exchange.requestComplete |= content instanceof LastHttpContent;
    if (!upstream.write(content)) {
      client.config().setAutoRead(false);
    }
    return true;
  }

  // ---------------------------------------------------------------- what the API server answers

  @Override
  public void unreachable(Exchange failed, Throwable cause) {
    if (failed == exchange && state != State.CLOSED) {
      refuse(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "the API server of "
              + exchange.upstream.cluster().ref()
              + " cannot be reached: "
              + Upstreams.describe(cause),
          Optional.empty(),
          true);
    }
  }

  @Override
  public void lost() {
    if (exchange == null || state == State.CLOSED) {
      return;
    }
    if (!exchange.responseStarted) {
      refuse(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "the API server closed the connection",
          Optional.empty(),
          true);
    } else {
      closeAfterWrites();
    }
  }

  @Override
  public void responseDone() {
    logLine();
    if (exchange.closeAfter || !exchange.requestComplete) {
      closeAfterWrites();
      return;
    }
    upstream.done();
    nextRequest();
  }

  private void nextRequest() {
    exchange = null;
    head = null;
    state = State.IDLE;
    deadline.awaitNextRequest();
    client.config().setAutoRead(true);
    while (state == State.IDLE && !pending.isEmpty()) {
      Object msg = pending.poll();
      if (msg instanceof HttpRequest request) {
        begin(request);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  // ---------------------------------------------------------------- streams

  @Override
  public void switching(HttpResponse response) {
    StreamRelay opening = StreamRelay.of(gw, client, upstream.channel(), exchange);
    relay = opening;
    upstream.relayTo(opening);
    opening
        .open(StreamRelay.transport(response), StreamRelay.subprotocol(response))
        .thenAccept(
            result ->
                onLoop(
                    () -> {
                      if (opening.opened(result)) {
                        state = State.STREAMING;
                        opening.switchOver(response, deadline, pending.drain());
                      } else if (state != State.CLOSED) {
                        refuse(
                            HttpResponseStatus.SERVICE_UNAVAILABLE,
                            "the session cannot be recorded now, so it does not start; try"
                                + " again shortly",
                            Optional.empty(),
                            true);
                      }
                    }));
  }

  // ---------------------------------------------------------------- endings

  /**
   * Answers the current request with a Kubernetes Status; keeps the connection when the request is
   * complete and both sides want it kept.
   */
  private void refuse(
      HttpResponseStatus status, String message, Optional<RequestId> grant, boolean close) {
    boolean closing = close || exchange.closeAfter || exchange.upgrade;
    exchange.status = status.code();
    exchange.responseStarted = true;
    exchange.responseComplete = true;
    exchange.refusedLine(grant, message, gw.nanos()).ifPresent(gw.activity::add);
    log.debug("refused {} {}: {} {}", exchange.method, exchange.route, status.code(), message);
    if (closing) {
      state = State.CLOSED;
      upstream.close();
      client
          .writeAndFlush(KubeStatus.response(status, message, true))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    client.writeAndFlush(KubeStatus.response(status, message, false));
    nextRequest();
  }

  private void closeAfterWrites() {
    state = State.CLOSED;
    upstream.close();
    client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  private void logLine() {
    exchange.finishedLine(gw.nanos()).ifPresent(gw.activity::add);
  }

  private void onLoop(Runnable task) {
    try {
      client.eventLoop().execute(task);
    } catch (RejectedExecutionException e) {
      client.close();
    }
  }
}
