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
 * on every request need not wait on the database. Shared by every {@link Database} of the process
 * on the same file, so each sees the others' writes.
 *
 * <p>Why it never answers older than the records: a write removes its requests' entries after its
 * commit, counting itself first; a read keeps what it found only if no write was counted since the
 * read began, decided under the entry's lock. So once a write has returned, no entry holds anything
 * read before its commit.
 */
final class Standings {
  /** Far above the grants open at once; past it the memory starts again, empty. */
  static final int MAX_ENTRIES = 10_000;

  private static final Map<Path, Standings> BY_FILE = new HashMap<>();

  /** For a database other processes may write: remembers nothing. */
  static final Standings NONE = new Standings(null);

  private final Path file;
  private final ConcurrentHashMap<RequestId, GrantStanding> known = new ConcurrentHashMap<>();
  private final AtomicLong writes = new AtomicLong();
  private int users;

  private Standings(Path file) {
    this.file = file;
  }

  /** The memory for the database at {@code jdbcUrl}; {@link #release} it when closing. */
  static Standings of(String jdbcUrl) {
    Optional<Path> file = H2Urls.ownedFile(jdbcUrl);
    if (file.isEmpty()) {
      return NONE;
    }
    synchronized (BY_FILE) {
      Standings standings = BY_FILE.computeIfAbsent(file.get(), Standings::new);
      standings.users++;
      return standings;
    }
  }

  void release() {
    if (this == NONE) {
      return;
    }
    synchronized (BY_FILE) {
      if (--users == 0) {
        BY_FILE.remove(file);
      }
    }
  }

  Optional<GrantStanding> known(RequestId id) {
    return this == NONE ? Optional.empty() : Optional.ofNullable(known.get(id));
  }

  /** Call before reading the records; pass what it returns to {@link #read}. */
  long readStarts() {
    return writes.get();
  }

  /** Keeps what a read that began at {@code stamp} found, unless a write was counted since. */
  void read(long stamp, GrantStanding standing) {
    if (this == NONE) {
      return;
    }
    if (known.size() >= MAX_ENTRIES) {
      known.clear();
    }
    known.compute(standing.id(), (id, held) -> writes.get() == stamp ? standing : held);
  }

  /** After a write of these requests has committed, or failed: forget them. */
  void written(Collection<RequestId> ids) {
    if (this == NONE) {
      return;
    }
    writes.incrementAndGet();
    for (RequestId id : ids) {
      known.remove(id);
    }
  }
}
