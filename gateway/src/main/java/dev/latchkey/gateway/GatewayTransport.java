package dev.latchkey.gateway;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's sockets: Linux's epoll through Netty's native transport where it loads (fewer
 * system calls per read and write, and a cheaper wake-up when a worker hands an event loop its
 * answer), the JDK's NIO elsewhere. Event loops and channels must come from the same one.
 */
enum GatewayTransport {
  EPOLL,
  NIO;

  private static final Logger log = LoggerFactory.getLogger(GatewayTransport.class);
  private static final GatewayTransport CHOSEN = choose();

  static GatewayTransport chosen() {
    return CHOSEN;
  }

  IoHandlerFactory ioHandlers() {
    return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  Class<? extends ServerChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  Class<? extends SocketChannel> channel() {
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  private static GatewayTransport choose() {
    if (Epoll.isAvailable()) {
      return EPOLL;
    }
    log.info(
        "gateway sockets: the JDK's NIO (epoll did not load here: {})",
        String.valueOf(Epoll.unavailabilityCause()));
    return NIO;
  }
}
