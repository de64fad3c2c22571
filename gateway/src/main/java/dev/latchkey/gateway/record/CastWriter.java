package dev.latchkey.gateway.record;

import dev.latchkey.core.port.SessionStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Hands a recording's lines to its sink in numbered parts of whole lines, each within what the
 * store takes ({@link SessionStore#MAX_PART_BYTES}) and all within the size cap, and hashes exactly
 * what the sink took. Once a part could not be stored, or the cap was reached, nothing more is
 * written.
 */
final class CastWriter {
  private static final int PART_BYTES = SessionStore.MAX_PART_BYTES;

  private final RecordingSink sink;
  private final long capBytes;
  private final MessageDigest sha256;
  private byte[] pending = new byte[1024];
  private int pendingLength;
  private int[] lineEnds = new int[16];
  private int lines;
  private long sequence;
  private long stored;
  private RecordingFailedException failure;

  CastWriter(RecordingSink sink, long capBytes) {
    if (capBytes <= 0) {
      throw new IllegalArgumentException("the recording cap must be positive: " + capBytes);
    }
    this.sink = sink;
    this.capBytes = capBytes;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Queues one line (its newline is added); written at the next {@link #write}. */
  void line(byte[] json) {
    int needed = pendingLength + json.length + 1;
    if (needed > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(needed, pending.length * 2));
    }
    System.arraycopy(json, 0, pending, pendingLength, json.length);
    pendingLength += json.length;
    pending[pendingLength++] = '\n';
    if (lines == lineEnds.length) {
      lineEnds = Arrays.copyOf(lineEnds, lines * 2);
    }
    lineEnds[lines++] = pendingLength;
  }

  int pendingBytes() {
    return pendingLength;
  }

  /**
   * Hands the queued lines to the sink, in as few parts as the store's part size allows. When they
   * would pass the cap, the lines that fit are written and the recording is full.
   */
  void write() {
    if (failure != null) {
      throw failure;
    }
    int from = 0;
    int next = 0;
    while (next < lines) {
      int end = next;
      while (end < lines
          && lineEnds[end] - from <= PART_BYTES
          && stored + lineEnds[end] - from <= capBytes) {
        end++;
      }
      if (end == next) {
        failure =
            stored + lineEnds[next] - from > capBytes
                ? RecordingFailedException.full(capBytes)
                : new RecordingFailedException("a recording line is longer than a part", null);
        throw failure;
      }
      store(Arrays.copyOfRange(pending, from, lineEnds[end - 1]));
      from = lineEnds[end - 1];
      next = end;
    }
    pendingLength = 0;
    lines = 0;
  }

  private void store(byte[] part) {
    try {
      sink.append(sequence, part);
    } catch (RuntimeException e) {
      failure = new RecordingFailedException("the recording could not be stored", e);
      throw failure;
    }
    sequence++;
    stored += part.length;
    sha256.update(part);
  }

  boolean failed() {
    return failure != null;
  }

  /** The size and hex SHA-256 of exactly the bytes the sink took, in order. */
  StreamTap.RecordingSummary summary() {
    if (stored == 0) {
      return new StreamTap.RecordingSummary(0, Optional.empty());
    }
    try {
      MessageDigest copy = (MessageDigest) sha256.clone();
      return new StreamTap.RecordingSummary(
          stored, Optional.of(HexFormat.of().formatHex(copy.digest())));
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
    }
  }
}
