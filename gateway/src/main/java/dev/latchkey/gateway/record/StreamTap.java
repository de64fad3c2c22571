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

  /**
   * Bytes the client sent towards the API server. What they record is queued for {@link #store}:
   * the caller passes them on once their mark ({@link #recorded}, read after this call) is stored.
   */
  void fromClient(ByteBuf bytes);

  /** Bytes the API server sent towards the client; queued for the store as above. */
  void fromServer(ByteBuf bytes);

  /**
   * How much has been recorded so far, as a mark that grows with each line queued for the store;
   * bytes whose mark is not above {@link #stored} need no store before they pass.
   */
  default long recorded() {
    return 0;
  }

  /** The mark of what the store holds (see {@link #recorded}). */
  default long stored() {
    return 0;
  }

  /**
   * Stores everything recorded so far, in as few parts as fit, and returns its mark. Blocks while
   * the store writes, so it runs off the I/O threads, one call at a time; the stream's own thread
   * may go on reading meanwhile. Throws {@link RecordingFailedException} when the recording cannot
   * be stored or is full: the session then ends, and nothing not stored may pass.
   */
  default long store() {
    return recorded();
  }

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
   * Ends the recording (the stream is closed, for whatever reason), stores what is left (blocking)
   * and says what was stored. Called once.
   */
  RecordingSummary finish();

  /** What a finished recording holds: its size in bytes and the hex SHA-256 of those bytes. */
  record RecordingSummary(long bytes, java.util.Optional<String> sha256) {}
}
