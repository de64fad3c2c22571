package dev.latchkey.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty end of an {@link UpstreamLeg}: hands everything to it, on the client's event loop. */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(UpstreamHandler.class);
  private final UpstreamLeg leg;

  UpstreamHandler(UpstreamLeg leg) {
    this.leg = leg;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    leg.read(ctx.channel(), msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    leg.readComplete(ctx.channel());
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    leg.writabilityChanged(ctx.channel());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    leg.closed(ctx.channel());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("connection to the API server failed: {}", cause.toString());
    leg.failed(ctx.channel());
    ctx.close();
  }
}
