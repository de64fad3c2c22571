package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What every recording tap shares: it counts what passes, hands each read to its protocol's decoder
 * and the result to the recording, whose store runs apart ({@link #store}), and fails closed: after
 * the first failure, of the decoder or of the store, every later read fails too, and nothing but a
 * {@link RecordingFailedException} leaves it.
 */
abstract class RecordingTap implements CountingTap {
  private final Recorder recorder;
  private long fromClient;
  private long fromServer;
  private RecordingFailedException failure;
  private boolean understood = true;
  private boolean finished;

  RecordingTap(Recorder recorder) {
    this.recorder = recorder;
  }

  final Recorder recorder() {
    return recorder;
  }

  /** Decodes bytes from the client; they are lent, never kept or changed. */
  abstract void decodeFromClient(ByteBuf bytes);

  abstract void decodeFromServer(ByteBuf bytes);

  /**
   * A frame of the protocol that carries {@code output} to the client's stdout, when the bytes sent
   * to the client so far end on a frame boundary and the stdout is open.
   */
  abstract Optional<ByteBuf> stdoutFrame(byte[] output);

  /** Lets go of the decoders' resources. */
  abstract void closeDecoders();

  @Override
  public final synchronized void fromClient(ByteBuf bytes) {
    fromClient += bytes.readableBytes();
    pass(bytes, true);
  }

  @Override
  public final synchronized void fromServer(ByteBuf bytes) {
    fromServer += bytes.readableBytes();
    pass(bytes, false);
  }

  private void pass(ByteBuf bytes, boolean client) {
    if (failure != null) {
      throw failure;
    }
    Optional<RecordingFailedException> notStored = recorder.storeFailure();
    if (notStored.isPresent()) {
      throw failure = notStored.get();
    }
    if (finished) {
      throw failure = new RecordingFailedException("the recording has already ended", null);
    }
    try {
      if (client) {
        decodeFromClient(bytes);
      } else {
        decodeFromServer(bytes);
      }
    } catch (Exception e) {
      // Exception, not RuntimeException: a codec may throw a checked exception undeclared.
      understood = false;
      failure =
          e instanceof RecordingFailedException failed
              ? failed
              : new RecordingFailedException("the stream could not be decoded: " + e, e);
      recorder.endOfRead(); // what was decoded before is kept
      throw failure;
    }
    recorder.endOfRead();
  }

  @Override
  public final long recorded() {
    return recorder.queued();
  }

  @Override
  public final long stored() {
    return recorder.stored();
  }

  @Override
  public final long store() {
    return recorder.store();
  }

  @Override
  public final synchronized Optional<ByteBuf> farewell(String line) {
    if (finished || !understood) {
      return Optional.empty();
    }
    Optional<ByteBuf> frame =
        stdoutFrame(("\r\n" + line + "\r\n").getBytes(StandardCharsets.UTF_8));
    if (frame.isPresent()) {
      // Stored with the rest when the recording finishes: the session ends now, and showing the
      // line must not wait for the store.
      recorder.line(line);
      recorder.endOfRead();
    }
    return frame;
  }

  @Override
  public final RecordingSummary finish() {
    synchronized (this) {
      if (!finished) {
        finished = true;
        try {
          closeDecoders();
        } catch (Exception e) {
          // A stream cut inside a frame: that frame's bytes are simply not part of the recording.
        }
        recorder.end();
      }
    }
    return recorder.finish();
  }

  @Override
  public final synchronized long bytesFromClient() {
    return fromClient;
  }

  @Override
  public final synchronized long bytesFromServer() {
    return fromServer;
  }
}
