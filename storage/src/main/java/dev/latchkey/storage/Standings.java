package dev.latchkey.storage;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.session.GrantStanding;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Grants' standings kept in memory for a database this process alone writes, so the gateway's check
 * on every request need not wait on the database; one per {@link Database}, over memory shared by
 * every {@code Database} of the process on the same file, so each sees the others' writes.
 *
 * <p>Why it never answers older than the records: a write forgets its requests after its commit,
 * counting itself first; a read keeps what it found only if no write was counted since the read
 * began, decided under the entry's lock. So once a write has returned, no entry holds anything read
 * before its commit. Once any URL opens the file in a way that lets other processes write it
 * (AUTO_SERVER, FILE_LOCK=NO), the memory of that file is dropped and nothing is kept any more.
 */
final class Standings {
  /** Far above the grants open at once; past it the memory starts again, empty. */
  static final int MAX_ENTRIES = 10_000;

  private static final Map<Path, Shared> BY_FILE = new HashMap<>();

  /** For a database that is not an H2 file of this process: remembers nothing. */
  static final Standings NONE = new Standings(null);

  /** The memory of one file. */
  private static final class Shared {
    final Path file;
    final ConcurrentHashMap<RequestId, GrantStanding> known = new ConcurrentHashMap<>();
    final AtomicLong writes = new AtomicLong();
    volatile boolean keeps = true;
    int users;

    Shared(Path file) {
      this.file = file;
    }
  }

  private final Shared shared;
  private volatile boolean open = true;

  private Standings(Shared shared) {
    this.shared = shared;
  }

  /**
   * The memory for a database opened at {@code jdbcUrl}; call before it is opened, and {@link
   * #release} it when closing.
   */
  static Standings of(String jdbcUrl) {
    Optional<Path> file = H2Urls.embeddedFile(jdbcUrl);
    if (file.isEmpty()) {
      return NONE;
    }
    synchronized (BY_FILE) {
      Shared shared = BY_FILE.computeIfAbsent(file.get(), Shared::new);
      shared.users++;
      if (H2Urls.othersMayWrite(jdbcUrl)) {
        shared.keeps = false;
        shared.known.clear();
      }
      return new Standings(shared);
    }
  }

  /** The database is closed: answer nothing from memory any more. */
  void release() {
    if (shared == null || !open) {
      return;
    }
    open = false;
    synchronized (BY_FILE) {
      if (--shared.users == 0) {
        BY_FILE.remove(shared.file);
      }
    }
  }

  Optional<GrantStanding> known(RequestId id) {
    return answers() ? Optional.ofNullable(shared.known.get(id)) : Optional.empty();
  }

  /** Call before reading the records; pass what it returns to {@link #read}. */
  long readStarts() {
    return shared == null ? 0 : shared.writes.get();
  }

  /** Keeps what a read that began at {@code stamp} found, unless a write was counted since. */
  void read(long stamp, GrantStanding standing) {
    if (!answers()) {
      return;
    }
    if (shared.known.size() >= MAX_ENTRIES) {
      shared.known.clear();
    }
    shared.known.compute(
        standing.id(), (id, held) -> shared.writes.get() == stamp ? standing : held);
  }

  /** After a write of these requests has committed, or failed: forget them. */
  void written(Collection<RequestId> ids) {
    if (shared == null) {
      return;
    }
    shared.writes.incrementAndGet();
    for (RequestId id : ids) {
      shared.known.remove(id);
    }
  }

  private boolean answers() {
    return shared != null && open && shared.keeps;
  }
}
