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
   * Bytes that, written to the client now, show {@code line} on its terminal as output of the
   * stream's own protocol (a stdout frame), so a person sees why the session ends. Empty when the
   * protocol has no such place or the bytes passed so far towards the client do not end on a frame
   * boundary. The gateway stops relaying the server's bytes before it asks.
   */
  default java.util.Optional<ByteBuf> farewell(String line) {
    return java.util.Optional.empty();
  }

  /**
   * Ends the recording (the stream is closed, for whatever reason) and says what was recorded.
   * Called once.
   */
  RecordingSummary finish();

  /** What a finished recording holds: its size in bytes and the hex SHA-256 of those bytes. */
  record RecordingSummary(long bytes, java.util.Optional<String> sha256) {}
}
