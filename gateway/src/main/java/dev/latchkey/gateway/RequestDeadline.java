package dev.latchkey.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Disconnects a client that does not send a whole request head in time: within the header timeout
 * of its TLS handshake (which has its own timeout) or of its first byte, and within the idle
 * timeout between requests of a kept-alive connection. Disarmed while a request is being served (a
 * watch may last an hour).
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
  private final long headerNanos;
  private final long idleNanos;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;
  private boolean awaiting;
  private boolean started;

  RequestDeadline(long headerNanos, long idleNanos) {
    this.headerNanos = headerNanos;
    this.idleNanos = idleNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof SslHandshakeCompletionEvent done && done.isSuccess() && !started) {
      awaiting = true;
      arm(headerNanos);
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (awaiting && !started && msg instanceof ByteBuf bytes && bytes.isReadable()) {
      started = true;
      arm(headerNanos);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  /** A kept-alive connection waits for its next request. */
  void awaitNextRequest() {
    awaiting = true;
    started = false;
    arm(idleNanos);
  }

  /** A whole request head arrived: no deadline while it is served. */
  void requestArrived() {
    awaiting = false;
    cancel();
  }

  private void arm(long nanos) {
    cancel();
    timer = ctx.executor().schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void expire() {
    timer = null;
    if (!awaiting || !ctx.channel().isActive()) {
      return;
    }
    if (started) {
      // Written from the pipeline's tail, through the HTTP encoder.
      ctx.channel()
          .writeAndFlush(
              KubeStatus.response(
                  HttpResponseStatus.REQUEST_TIMEOUT,
                  "the request's headers did not arrive in time",
                  true))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }
}
