package dev.latchkey.gateway;

import dev.latchkey.gateway.record.RecordingFailedException;
import dev.latchkey.gateway.record.StreamTap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Holds a stream's bytes until its recording has stored what they carry, then passes them on, in
 * order for each direction: nothing passes unrecorded, yet the event loop, which serves many
 * connections, never waits for the database. The store runs on the workers, one at a time per
 * stream, and takes everything recorded meanwhile, so a busy stream is stored in a few large parts
 * rather than one per read. Reading stops while too much waits. Runs on the connection's event
 * loop, but for the store itself.
 */
final class RecordingLane {
  /** Where the bytes go once stored, and what to do when they cannot be. */
  interface Out {
    void toServer(ByteBuf bytes);

    void toClient(ByteBuf bytes);

    void flush();

    /**
     * Stops (true) or resumes (false) reading from the side whose bytes wait: the API server's
     * ({@code fromServer}) or the client's. The other side keeps flowing, so a client's pings and
     * flow-control frames still pass while its output waits.
     */
    void pause(boolean fromServer, boolean paused);

    void failed(RecordingFailedException failure);
  }

  /**
   * Reading from a side stops while this much of it waits for the store, and resumes below a
   * quarter of it.
   */
  static final long PAUSE_BYTES = 1024 * 1024;

  private record Held(ByteBuf bytes, long mark) {}

  /** The bytes of one direction that wait, in order. */
  private static final class Direction {
    final boolean fromServer;
    final ArrayDeque<Held> held = new ArrayDeque<>();
    long bytes;
    boolean paused;

    Direction(boolean fromServer) {
      this.fromServer = fromServer;
    }
  }

  private final StreamTap tap;
  private final Executor workers;
  private final EventLoop loop;
  private final Out out;
  private final Direction towardsServer = new Direction(false);
  private final Direction towardsClient = new Direction(true);
  private long storedMark;
  private boolean storing;
  private boolean closed;
  private Runnable whenPassed;

  RecordingLane(StreamTap tap, Executor workers, EventLoop loop, Out out) {
    this.tap = tap;
    this.workers = workers;
    this.loop = loop;
    this.out = out;
    this.storedMark = tap.stored();
  }

  /** Bytes from the client, just given to the tap: passed on once what they record is stored. */
  void fromClient(ByteBuf bytes) {
    pass(bytes, towardsServer);
  }

  /** Bytes from the API server, just given to the tap. */
  void fromServer(ByteBuf bytes) {
    pass(bytes, towardsClient);
  }

  /** Nothing waits: what each side was sent is exactly what the tap has read. */
  boolean idle() {
    return towardsServer.held.isEmpty() && towardsClient.held.isEmpty();
  }

  /**
   * Runs {@code then} once everything that waits has passed: at once when nothing waits, never when
   * the lane closes first (a later call replaces an earlier one).
   */
  void whenPassed(Runnable then) {
    if (idle()) {
      then.run();
    } else {
      whenPassed = then;
    }
  }

  /** The stream ended: what still waits is dropped, and later stores change nothing. */
  void close() {
    closed = true;
    drop(towardsServer);
    drop(towardsClient);
  }

  private void pass(ByteBuf bytes, Direction direction) {
    long mark = tap.recorded();
    if (direction.held.isEmpty() && mark <= storedMark) {
      send(bytes, direction);
      return;
    }
    direction.held.add(new Held(bytes, mark));
    direction.bytes += bytes.readableBytes();
    if (direction.bytes >= PAUSE_BYTES) {
      // Again on every read: a writable channel may have turned reading back on meanwhile.
      direction.paused = true;
      out.pause(direction.fromServer, true);
    }
    storeSoon();
  }

  private void send(ByteBuf bytes, Direction direction) {
    if (direction.fromServer) {
      out.toClient(bytes);
    } else {
      out.toServer(bytes);
    }
  }

  private void storeSoon() {
    if (storing || closed) {
      return;
    }
    storing = true;
    Runnable store =
        () -> {
          long mark = 0;
          RecordingFailedException failure = null;
          try {
            mark = tap.store();
          } catch (RecordingFailedException e) {
            failure = e;
          } catch (RuntimeException e) {
            failure = new RecordingFailedException("the recording could not be stored", e);
          }
          long storedUpTo = mark;
          RecordingFailedException failed = failure;
          try {
            loop.execute(() -> stored(storedUpTo, failed));
          } catch (RejectedExecutionException e) {
            // The gateway is stopping: its connections close with their event loops.
          }
        };
    try {
      workers.execute(store);
    } catch (RejectedExecutionException e) {
      CompletableFuture.runAsync(store);
    }
  }

  private void stored(long mark, RecordingFailedException failure) {
    storing = false;
    if (closed) {
      return;
    }
    if (failure != null) {
      out.failed(failure);
      return;
    }
    storedMark = Math.max(storedMark, mark);
    boolean sent = release(towardsServer) | release(towardsClient);
    if (sent) {
      out.flush();
    }
    if (idle() && whenPassed != null) {
      Runnable then = whenPassed;
      whenPassed = null;
      then.run();
      return;
    }
    if (!idle()) {
      storeSoon();
    }
  }

  private boolean release(Direction direction) {
    boolean sent = false;
    while (!direction.held.isEmpty() && direction.held.peek().mark() <= storedMark) {
      Held held = direction.held.poll();
      direction.bytes -= held.bytes().readableBytes();
      send(held.bytes(), direction);
      sent = true;
    }
    if (direction.paused && direction.bytes <= PAUSE_BYTES / 4) {
      direction.paused = false;
      out.pause(direction.fromServer, false);
    }
    return sent;
  }

  private void drop(Direction direction) {
    while (!direction.held.isEmpty()) {
      Held held = direction.held.poll();
      direction.bytes -= held.bytes().readableBytes();
      held.bytes().release();
    }
  }
}
