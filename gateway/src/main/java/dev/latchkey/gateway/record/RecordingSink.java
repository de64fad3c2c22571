package dev.latchkey.gateway.record;

import java.util.List;

/**
 * Where a recording's parts go, in order; bound by the caller to its session's stored recording.
 */
@FunctionalInterface
public interface RecordingSink {

  /**
   * Stores the next parts of the recording (each whole asciicast lines, UTF-8), numbered from
   * {@code firstSequence}: parts are numbered from 0 without gaps. All of them are stored or, when
   * it throws, none; the recording then fails.
   */
  void append(long firstSequence, List<byte[]> parts);
}
