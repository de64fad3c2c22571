package dev.latchkey.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * What a client sent while its connection could not take it yet (a request being authorized, a
 * stream being opened, a request pipelined behind another), in order, and how many bytes that is.
 */
final class PendingInput {
  /** Beyond this, the connection stops reading until the queue drains. */
  static final int LIMIT_BYTES = 64 * 1024;

  private final ArrayDeque<Object> queue = new ArrayDeque<>(4);
  private int bytes;

  /** Adds a message; true while the queue is within its limit. */
  boolean add(Object msg) {
    queue.add(msg);
    bytes += size(msg);
    return bytes <= LIMIT_BYTES;
  }

  Object poll() {
    Object msg = queue.poll();
    bytes -= size(msg);
    return msg;
  }

  Object peek() {
    return queue.peek();
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Whether a later request is queued (so a LastHttpContent seen now is not the current one's). */
  boolean holdsRequest() {
    for (Object o : queue) {
      if (o instanceof HttpRequest) {
        return true;
      }
    }
    return false;
  }

  /** Everything queued, handed over; the queue is empty after. */
  ArrayDeque<Object> drain() {
    ArrayDeque<Object> all = new ArrayDeque<>(queue);
    queue.clear();
    bytes = 0;
    return all;
  }

  void releaseAll() {
    while (!queue.isEmpty()) {
      ReferenceCountUtil.release(queue.poll());
    }
    bytes = 0;
  }

  private static int size(Object msg) {
    if (msg instanceof ByteBufHolder holder) {
      return holder.content().readableBytes();
    }
    return msg instanceof ByteBuf buf ? buf.readableBytes() : 0;
  }
}
