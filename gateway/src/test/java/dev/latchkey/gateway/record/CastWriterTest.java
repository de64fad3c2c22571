package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a writer keeps between stores: a busy stream's arrays, not a quiet one's. */
class CastWriterTest {

  @Test
  void aBusyStreamKeepsItsQueueArraysAndAQuietOneLetsThemGo() {
    CastWriter writer = new CastWriter(new MemorySink(), 1L << 30);
    byte[] line = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
    for (int store = 0; store < 3; store++) {
      for (int i = 0; i < 500; i++) {
        writer.line(line); // about 500 KB between stores, as while a large output passes
      }
      writer.store();
    }
    assertThat(writer.queueCapacity())
        .as("the queue goes on in the array the last store emptied")
        .isGreaterThanOrEqualTo(2 * 500_000)
        .isLessThanOrEqualTo(2 * 1024 * 1024);

    for (int store = 0; store < 2; store++) {
      writer.line("$ ".getBytes(StandardCharsets.US_ASCII));
      writer.store();
    }
    assertThat(writer.queueCapacity()).as("back to small once quiet").isLessThan(64 * 1024);
  }

  @Test
  void aLongWaitForTheStoreIsNotKept() {
    CastWriter writer = new CastWriter(new MemorySink(), 1L << 30);
    byte[] line = "y".repeat(1000).getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 3000; i++) {
      writer.line(line); // 3 MB queued while the store lagged
    }
    writer.store();
    assertThat(writer.queueCapacity()).isLessThanOrEqualTo(1024 * 1024);
  }
}
