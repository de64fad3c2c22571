package dev.latchkey.gateway.record;

/**
 * Where a recording's parts go, in order; bound by the caller to its session's stored recording.
 */
@FunctionalInterface
public interface RecordingSink {

  /**
   * Stores the next part of the recording (whole asciicast lines, UTF-8). Parts are numbered from 0
   * without gaps. Throws when the part cannot be stored; the recording then fails.
   */
  void append(long sequence, byte[] part);
}
