package dev.latchkey.gateway.record;

import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/** The frames of one stream as they passed, each in its direction, fed to a tap whole or cut. */
final class Script {
  static final long STEP_NANOS = 10_000_000;

  private record Step(boolean fromClient, byte[] bytes) {}

  private final List<Step> steps = new ArrayList<>();

  Script client(byte[] bytes) {
    steps.add(new Step(true, bytes));
    return this;
  }

  Script server(byte[] bytes) {
    steps.add(new Step(false, bytes));
    return this;
  }

  /** Each frame is one read; the ticker moves on before each. */
  void feedWhole(StreamTap tap, AtomicLong ticker) {
    for (Step step : steps) {
      ticker.addAndGet(STEP_NANOS);
      feed(tap, step.fromClient(), step.bytes());
    }
  }

  /**
   * Frames in a row of one direction are joined and cut at random places (a read may end inside a
   * frame's header, its payload, or a UTF-8 character); the order between directions is kept.
   */
  void feedCut(StreamTap tap, AtomicLong ticker, long seed) {
    Random random = new Random(seed);
    int i = 0;
    while (i < steps.size()) {
      boolean fromClient = steps.get(i).fromClient();
      ByteArrayOutputStream run = new ByteArrayOutputStream();
      while (i < steps.size() && steps.get(i).fromClient() == fromClient) {
        run.writeBytes(steps.get(i++).bytes());
      }
      byte[] bytes = run.toByteArray();
      int at = 0;
      while (at < bytes.length) {
        int length = random.nextBoolean() ? 1 + random.nextInt(3) : 1 + random.nextInt(200);
        length = Math.min(length, bytes.length - at);
        ticker.addAndGet(STEP_NANOS);
        byte[] piece = new byte[length];
        System.arraycopy(bytes, at, piece, 0, length);
        feed(tap, fromClient, piece);
        at += length;
      }
    }
  }

  static void feed(StreamTap tap, boolean fromClient, byte[] bytes) {
    // A view with an offset, like a slice of a larger read buffer; the tap must not move it.
    byte[] padded = new byte[bytes.length + 7];
    System.arraycopy(bytes, 0, padded, 3, bytes.length);
    var view = Unpooled.wrappedBuffer(padded, 3, bytes.length).asReadOnly();
    int before = view.readerIndex();
    if (fromClient) {
      tap.fromClient(view);
    } else {
      tap.fromServer(view);
    }
    // As the gateway does before it passes the bytes on.
    tap.store();
    if (view.readerIndex() != before || view.readableBytes() != bytes.length) {
      throw new AssertionError("the tap moved the bytes it was lent");
    }
  }

  byte[] bytes(boolean fromClient) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    steps.stream()
        .filter(s -> s.fromClient() == fromClient)
        .forEach(s -> all.writeBytes(s.bytes()));
    return all.toByteArray();
  }
}
