package dev.latchkey.gateway;

import java.time.Duration;
import java.util.function.LongSupplier;

/** Counts streams whose session is open or not yet recorded as closed, so shutdown can wait. */
final class SessionTracker {
  private int open;

  synchronized void opened() {
    open++;
  }

  synchronized void closed() {
    open--;
    if (open <= 0) {
      notifyAll();
    }
  }

  synchronized int open() {
    return open;
  }

  /** Waits until every session is recorded as closed, or the time is up. True when all are. */
  synchronized boolean awaitNone(Duration within, LongSupplier nanoTicker)
      throws InterruptedException {
    long deadline = nanoTicker.getAsLong() + within.toNanos();
    while (open > 0) {
      long left = deadline - nanoTicker.getAsLong();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }
}
