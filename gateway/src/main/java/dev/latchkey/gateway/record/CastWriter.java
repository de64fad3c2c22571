package dev.latchkey.gateway.record;

import dev.latchkey.core.port.SessionStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Hands a recording's lines to its sink in numbered parts of whole lines, each within what the
 * store takes ({@link SessionStore#MAX_PART_BYTES}) and all within the size cap, and hashes exactly
 * what the sink took. Once a part could not be stored, or the cap was reached, nothing more is
 * written.
 *
 * <p>Lines are queued by the stream's own thread and stored by {@link #store}, which may run on
 * another thread while more lines are queued: everything queued by then goes in as few parts as
 * fit, so a busy stream's recording is stored in large parts and its thread never waits for the
 * store.
 */
final class CastWriter {
  private static final int PART_BYTES = SessionStore.MAX_PART_BYTES;

  /**
   * The largest queue array a session keeps between stores (two of them: the queue and the one the
   * store empties); a larger one, from a long wait for the store, is let go.
   */
  private static final int SPARE_LIMIT = 1024 * 1024;

  private final RecordingSink sink;
  private final long capBytes;

  // The queue, guarded by this.
  private byte[] pending = new byte[1024];
  private int pendingLength;
  private int[] lineEnds = new int[16];
  private int lines;
  private long queuedLines;
  private byte[] spare; // the array the last store emptied, for the queue after the next

  // The store, guarded by storing.
  private final Object storing = new Object();
  private final MessageDigest sha256;
  private long sequence;
  private long stored;
  private volatile long storedLines;
  private volatile RecordingFailedException failure;

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

  /** Queues one line (its newline is added); stored at the next {@link #store}. */
  void line(byte[] json) {
    line(json, 0, json.length);
  }

  /** Queues the line of {@code length} bytes at {@code offset} of {@code json}, copied. */
  synchronized void line(byte[] json, int offset, int length) {
    int needed = pendingLength + length + 1;
    if (needed > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(needed, pending.length * 2));
    }
    System.arraycopy(json, offset, pending, pendingLength, length);
    pendingLength += length;
    pending[pendingLength++] = '\n';
    if (lines == lineEnds.length) {
      lineEnds = Arrays.copyOf(lineEnds, lines * 2);
    }
    lineEnds[lines++] = pendingLength;
    queuedLines++;
  }

  /** How many lines were ever queued: a mark that {@link #store} reports back once stored. */
  synchronized long queued() {
    return queuedLines;
  }

  /** The bytes of queue arrays this writer holds now, the queue's and the spare one. */
  synchronized int queueCapacity() {
    return pending.length + (spare == null ? 0 : spare.length);
  }

  /** The mark of the lines stored so far. */
  long stored() {
    return storedLines;
  }

  /**
   * Hands every line queued so far to the sink, in as few parts as the store's part size allows,
   * and returns their mark. When they would pass the cap, the lines that fit are stored and the
   * recording is full. Blocks while the sink writes; one call at a time.
   */
  long store() {
    synchronized (storing) {
      if (failure != null) {
        throw failure;
      }
      byte[] chunk;
      int[] ends;
      int count;
      long mark;
      synchronized (this) {
        chunk = pending;
        ends = lineEnds;
        count = lines;
        mark = queuedLines;
        if (count == 0) {
          return mark;
        }
        // A busy stream's queue goes on in the array the last store emptied, as large as the last
        // queue was, so it neither allocates a queue per store nor grows one by copying; a quiet
        // one's goes back to a small array, so a burst of output is not kept for the session.
        int size = Math.max(1024, Math.min(ends[count - 1], SPARE_LIMIT));
        pending = spare != null && spare.length >= size ? spare : new byte[size];
        spare = null;
        lineEnds = new int[Math.max(16, Math.min(ends.length, 1024))];
        pendingLength = 0;
        lines = 0;
      }
      List<byte[]> parts = new ArrayList<>();
      long size = 0;
      int from = 0;
      int next = 0;
      RecordingFailedException stop = null;
      while (next < count) {
        int end = next;
        while (end < count
            && ends[end] - from <= PART_BYTES
            && stored + size + ends[end] - from <= capBytes) {
          end++;
        }
        if (end == next) {
          stop =
              stored + size + ends[next] - from > capBytes
                  ? RecordingFailedException.full(capBytes)
                  : new RecordingFailedException("a recording line is longer than a part", null);
          break;
        }
        parts.add(Arrays.copyOfRange(chunk, from, ends[end - 1]));
        size += ends[end - 1] - from;
        from = ends[end - 1];
        next = end;
      }
      store(parts); // what fits, also when the recording is full from here on
      if (count > 0 && ends[count - 1] >= PART_BYTES && chunk.length <= SPARE_LIMIT) {
        synchronized (this) {
          spare = chunk;
        }
      }
      if (stop != null) {
        failure = stop;
        throw failure;
      }
      storedLines = mark;
      return mark;
    }
  }

  /** Hands the parts to the sink in one call: the store keeps all of them or none. */
  private void store(List<byte[]> parts) {
    if (parts.isEmpty()) {
      return;
    }
    try {
      sink.append(sequence, parts);
    } catch (RuntimeException e) {
      failure = new RecordingFailedException("the recording could not be stored", e);
      throw failure;
    }
    for (byte[] part : parts) {
      sequence++;
      stored += part.length;
      sha256.update(part);
    }
  }

  /** Why nothing more is stored, once something could not be; empty before. */
  Optional<RecordingFailedException> failure() {
    return Optional.ofNullable(failure);
  }

  /** The size and hex SHA-256 of exactly the bytes the sink took, in order. */
  StreamTap.RecordingSummary summary() {
    synchronized (storing) {
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
}
