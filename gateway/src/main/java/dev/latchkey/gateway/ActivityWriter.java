package dev.latchkey.gateway;

import dev.latchkey.core.session.ActivityLine;
import dev.latchkey.core.session.LogActivity;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes session-log lines in batches, off the I/O threads. Traffic never waits for the records: a
 * full queue or a failed write loses lines and says so in the log.
 */
final class ActivityWriter {
  private static final Logger log = LoggerFactory.getLogger(ActivityWriter.class);
  private static final int BATCH = 500;

  private final LogActivity activity;
  private final ArrayBlockingQueue<ActivityLine> queue;
  private final AtomicLong dropped = new AtomicLong();

  ActivityWriter(LogActivity activity, int capacity) {
    this.activity = activity;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** Queues a line; never blocks. */
  void add(ActivityLine line) {
    if (!queue.offer(line)) {
      dropped.incrementAndGet();
    }
  }

  /** Writes what is queued (called periodically, and once at shutdown). */
  synchronized void flush() {
    long lost = dropped.getAndSet(0);
    if (lost > 0) {
      log.error("{} gateway session-log line(s) lost: the records fell behind", lost);
    }
    List<ActivityLine> batch = new ArrayList<>(Math.min(BATCH, queue.size()));
    while (queue.drainTo(batch, BATCH) > 0) {
      try {
        activity.log(batch);
      } catch (RuntimeException e) {
        log.error(
            "{} gateway session-log line(s) could not be written: {}", batch.size(), e.toString());
      }
      batch.clear();
    }
  }
}
