package dev.latchkey.gateway.record;

import io.netty.buffer.ByteBuf;

/**
 * Reads the bytes of one upgraded stream (exec, attach, port-forward) as they pass through the
 * gateway, in order for each direction, and records what the stream carries. It never changes or
 * holds up what passes: it sees a read-only view it must not release or keep.
 *
 * <p>A tap that cannot record throws {@link RecordingFailedException}; the gateway then ends the
 * session, so nothing passes unrecorded.
 */
public interface StreamTap {

  /** Bytes the client sent towards the API server. */
  void fromClient(ByteBuf bytes);

  /** Bytes the API server sent towards the client. */
  void fromServer(ByteBuf bytes);

  /**
   * Ends the recording (the stream is closed, for whatever reason) and says what was recorded.
   * Called once.
   */
  RecordingSummary finish();

  /** What a finished recording holds: its size in bytes and the hex SHA-256 of those bytes. */
  record RecordingSummary(long bytes, java.util.Optional<String> sha256) {}
}
