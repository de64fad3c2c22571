package dev.latchkey.gateway;

import dev.latchkey.core.session.StreamSession;
import dev.latchkey.gateway.record.RecordingFailedException;
import dev.latchkey.gateway.record.StreamTap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A tap factory for tests: each tap keeps the bytes it saw, can offer a farewell, can be made to
 * fail or be full after some bytes, and can hold its store back (each read then waits for it).
 */
final class CollectingTaps implements TapFactory {
  final List<Tap> opened = new CopyOnWriteArrayList<>();
  volatile boolean farewells = true;
  volatile long failAfter = Long.MAX_VALUE;
  volatile boolean failAsFull;
  volatile boolean refuseToOpen;

  /** When set, each read records a line and the store waits until this opens. */
  volatile CountDownLatch storeGate;

  /** When set, opening a recorder waits until this opens (the session's start is being written). */
  volatile CountDownLatch openGate;

  @Override
  public StreamTap open(StreamSession session, String transport, String subprotocol) {
    CountDownLatch gate = openGate;
    if (gate != null) {
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (refuseToOpen) {
      throw new IllegalStateException("no recorder (test)");
    }
    Tap tap = new Tap(session, transport, subprotocol);
    opened.add(tap);
    return tap;
  }

  final class Tap implements StreamTap {
    final StreamSession session;
    final String transport;
    final String subprotocol;
    private final ByteArrayOutputStream client = new ByteArrayOutputStream();
    private final ByteArrayOutputStream server = new ByteArrayOutputStream();
    volatile boolean finished;
    volatile String farewellLine;

    Tap(StreamSession session, String transport, String subprotocol) {
      this.session = session;
      this.transport = transport;
      this.subprotocol = subprotocol;
    }

    @Override
    public synchronized void fromClient(ByteBuf bytes) {
      check(bytes);
      client.writeBytes(ByteBufUtil.getBytes(bytes));
    }

    @Override
    public synchronized void fromServer(ByteBuf bytes) {
      check(bytes);
      server.writeBytes(ByteBufUtil.getBytes(bytes));
    }

    private long recorded;
    private volatile long stored;

    @Override
    public synchronized long recorded() {
      return recorded;
    }

    @Override
    public long stored() {
      return stored;
    }

    @Override
    public long store() {
      long mark = recorded();
      CountDownLatch gate = storeGate;
      if (gate != null) {
        try {
          gate.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      stored = mark;
      return mark;
    }

    private void check(ByteBuf bytes) {
      if (storeGate != null) {
        recorded++;
      }
      if (client.size() + server.size() + bytes.readableBytes() > failAfter) {
        throw failAsFull
            ? RecordingFailedException.full(failAfter)
            : new RecordingFailedException("the recording store failed (test)", null);
      }
    }

    @Override
    public Optional<ByteBuf> farewell(String line) {
      farewellLine = line;
      return farewells
          ? Optional.of(Unpooled.copiedBuffer("\r\n" + line + "\r\n", StandardCharsets.UTF_8))
          : Optional.empty();
    }

    @Override
    public synchronized RecordingSummary finish() {
      finished = true;
      byte[] all = (clientText() + serverText()).getBytes(StandardCharsets.UTF_8);
      try {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all));
        return new RecordingSummary(all.length, Optional.of(sha));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    synchronized String clientText() {
      return client.toString(StandardCharsets.UTF_8);
    }

    synchronized String serverText() {
      return server.toString(StandardCharsets.UTF_8);
    }
  }
}
