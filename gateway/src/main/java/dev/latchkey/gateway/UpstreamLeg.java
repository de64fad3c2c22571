package dev.latchkey.gateway;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The API server's side of one client connection: one connection at a time, kept between requests
 * when both sides allow it, whose answers stream to the client as they come, reading no faster than
 * the client takes them. After a protocol switch its bytes go to the stream's relay. Runs on the
 * client's event loop.
 */
final class UpstreamLeg {

  /** What the leg tells the connection it serves. */
  interface Events {
    /** The API server could not be reached for {@code exchange}. */
    void unreachable(Exchange exchange, Throwable cause);

    /** The answer to the current request has been passed on whole. */
    void responseDone();

    /** The API server switched protocols for the current (upgrade) request. */
    void switching(HttpResponse response);

    /** The connection to the API server closed during the current request. */
    void lost();
  }

  private final GatewayContext gw;
  private final Channel client;
  private final Events events;
  private Channel channel;
  private GatewayContext.Upstream target;
  private boolean idle;
  private Exchange exchange;
  private StreamRelay relay;

  UpstreamLeg(GatewayContext gw, Channel client, Events events) {
    this.gw = gw;
    this.client = client;
    this.events = events;
  }

  /**
   * Sends {@code request} for {@code current} on the kept connection, or on a new one; {@code sent}
   * runs once it is written.
   */
  void send(Exchange current, HttpRequest request, Runnable sent) {
    exchange = current;
    if (channel != null && channel.isActive() && idle && target == current.upstream) {
      idle = false;
      channel.write(request, channel.voidPromise());
      sent.run();
      return;
    }
    close();
    target = current.upstream;
    gw.upstreams.connect(
        client,
        current.upstream,
        new UpstreamHandler(this),
        opened -> {
          if (exchange != current || !client.isActive()) {
            opened.close();
            return;
          }
          channel = opened;
          channel.write(request, channel.voidPromise());
          sent.run();
        },
        failure -> {
          if (exchange == current) {
            events.unreachable(current, failure);
          }
        });
  }

  /** Writes part of the request body; false when the API server takes no more for now. */
  boolean write(HttpContent content) {
    channel.write(content, channel.voidPromise());
    if (content instanceof LastHttpContent) {
      channel.flush();
    }
    return channel.isWritable();
  }

  boolean connected() {
    return channel != null;
  }

  boolean writable() {
    return channel != null && channel.isWritable();
  }

  void flush() {
    if (channel != null) {
      channel.flush();
    }
  }

  void readAgain(boolean yes) {
    if (channel != null) {
      channel.config().setAutoRead(yes);
    }
  }

  Channel channel() {
    return channel;
  }

  /** From now on the API server's bytes are the stream's. */
  void relayTo(StreamRelay streamRelay) {
    relay = streamRelay;
  }

  /** The exchange is over: the connection stays for the next request if it may, else closes. */
  void done() {
    exchange = null;
    if (!idle) {
      close();
    }
  }

  void close() {
    if (channel != null) {
      Channel closing = channel;
      channel = null;
      idle = false;
      closing.close();
    }
  }

  // ---------------------------------------------------------------- from the API server

  void read(Channel from, Object msg) {
    if (from != channel || (exchange == null && relay == null)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (relay != null) {
      relay.fromServer(msg);
      return;
    }
    if (msg instanceof HttpResponse response) {
      int code = response.status().code();
      if (exchange.upgrade && code == 101) {
        ReferenceCountUtil.release(msg);
        channel.config().setAutoRead(false);
        events.switching(response);
        return;
      }
      if (code < 200) {
        // Informational answers: the gateway answered Expect itself.
        ReferenceCountUtil.release(msg);
        return;
      }
      exchange.status = code;
      exchange.responseStarted = true;
      idle = HttpUtil.isKeepAlive(response);
      ForwardedHeaders.towardsClient(response.headers(), false);
      if (exchange.closeAfter || !idle) {
        exchange.closeAfter = true;
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
    }
    if (msg instanceof HttpContent content) {
      exchange.responseBytes += content.content().readableBytes();
      client.write(msg, client.voidPromise());
      if (content instanceof LastHttpContent) {
        exchange.responseComplete = true;
        client.flush();
        events.responseDone();
      } else if (!client.isWritable()) {
        channel.config().setAutoRead(false);
      }
      return;
    }
    client.write(msg, client.voidPromise());
  }

  void readComplete(Channel from) {
    if (from == channel) {
      client.flush();
    }
  }

  void writabilityChanged(Channel from) {
    if (from == channel && channel.isWritable() && client.isActive()) {
      client.config().setAutoRead(true);
    }
  }

  void failed(Channel from) {
    if (from == channel && relay != null) {
      relay.failed();
    }
  }

  void closed(Channel from) {
    if (from != channel) {
      return;
    }
    channel = null;
    idle = false;
    if (relay != null) {
      relay.serverClosed();
    } else if (exchange != null && !exchange.responseComplete) {
      events.lost();
    }
  }
}
