package dev.latchkey.storage;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A sink that keeps what it received, and can be told to fail (before or after taking the lines) or
 * to hold every write until released. Tests wait for an event with {@link #awaitThrough}, which
 * wakes on each write.
 */
final class RecordingSink implements AuditSink {
  enum Failure {
    NONE,
    BEFORE_WRITING,
    AFTER_WRITING
  }

  private final String name;
  private final List<AuditLine> received = new ArrayList<>();
  private volatile Failure failure = Failure.NONE;
  private volatile CountDownLatch hold = new CountDownLatch(0);
  private final CountDownLatch held = new CountDownLatch(1);
  private int attempts;

  RecordingSink(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void write(List<AuditLine> lines) throws IOException {
    held.countDown();
    try {
      hold.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    synchronized (this) {
      attempts++;
      Failure now = failure;
      if (now == Failure.BEFORE_WRITING) {
        throw new IOException("disk full");
      }
      received.addAll(lines);
      notifyAll();
      if (now == Failure.AFTER_WRITING) {
        throw new IOException("connection reset after sending");
      }
    }
  }

  void fail(Failure how) {
    failure = how;
  }

  /** Makes every write wait until {@link #release()}. */
  void hold() {
    hold = new CountDownLatch(1);
  }

  void release() {
    hold.countDown();
  }

  /** Waits until a write has started (and is held, if holding). */
  boolean awaitHeld(Duration timeout) throws InterruptedException {
    return held.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  synchronized List<Long> sequences() {
    return received.stream().map(AuditLine::sequence).toList();
  }

  synchronized List<AuditLine> lines() {
    return List.copyOf(received);
  }

  synchronized int attempts() {
    return attempts;
  }

  /** Waits until event {@code seq} has been received; false after {@code timeout}. */
  synchronized boolean awaitThrough(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (received.isEmpty() || received.getLast().sequence() < seq) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  @Override
  public String toString() {
    return "recording sink " + name;
  }
}
