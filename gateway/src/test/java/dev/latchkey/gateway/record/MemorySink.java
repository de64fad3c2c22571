package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.port.SessionStore;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A sink that keeps the parts in memory, checks their order and size (as the store does), and can
 * be told to fail.
 */
final class MemorySink implements RecordingSink {
  private final List<byte[]> parts = new ArrayList<>();
  private long failFrom = Long.MAX_VALUE;

  /** Parts from this sequence number on cannot be stored. */
  MemorySink failFrom(long sequence) {
    failFrom = sequence;
    return this;
  }

  @Override
  public synchronized void append(long firstSequence, List<byte[]> batch) {
    assertThat(firstSequence).as("parts come in order, from 0").isEqualTo(parts.size());
    for (byte[] part : batch) {
      assertThat(part.length)
          .as("a part the store takes")
          .isLessThanOrEqualTo(SessionStore.MAX_PART_BYTES);
    }
    if (firstSequence + batch.size() > failFrom) {
      throw new IllegalStateException("the database is gone"); // none of them kept, as the store
    }
    batch.forEach(part -> parts.add(part.clone()));
  }

  synchronized List<byte[]> parts() {
    return List.copyOf(parts);
  }

  synchronized byte[] bytes() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    parts.forEach(all::writeBytes);
    return all.toByteArray();
  }

  String sha256() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  Cast cast() {
    return Cast.parse(bytes());
  }
}
