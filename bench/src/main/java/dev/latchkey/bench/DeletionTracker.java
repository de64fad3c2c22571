package dev.latchkey.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark 3: follows one kind of grant object: ADDED (including the initial listing) and DELETED.
 */
final class DeletionTracker<T extends HasMetadata> implements Watcher<T> {
  private final Set<String> present;
  private final AtomicInteger deleted;
  private final AtomicLong lastDelete;

  DeletionTracker(Set<String> present, AtomicInteger deleted, AtomicLong lastDelete) {
    this.present = present;
    this.deleted = deleted;
    this.lastDelete = lastDelete;
  }

  @Override
  public void eventReceived(Action action, T resource) {
    String name = resource.getMetadata().getName();
    switch (action) {
      case ADDED -> present.add(name);
      case DELETED -> {
        if (present.remove(name)) {
          lastDelete.set(System.nanoTime());
          deleted.incrementAndGet();
        }
      }
      default -> {}
    }
  }

  @Override
  public void onClose(WatcherException cause) {
    if (cause != null) {
      Bench.log("watch closed: %s", cause.getMessage());
    }
  }
}
