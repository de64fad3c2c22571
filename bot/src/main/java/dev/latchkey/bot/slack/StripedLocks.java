package dev.latchkey.bot.slack;

import java.util.function.Supplier;

/**
 * A fixed set of locks picked by a key's hash, so that work on one request is serialised in this
 * process without a lock per request; unrelated requests rarely share one.
 */
final class StripedLocks {
  private final Object[] locks;

  StripedLocks(int stripes) {
    locks = new Object[stripes];
    for (int i = 0; i < stripes; i++) {
      locks[i] = new Object();
    }
  }

  <T> T locked(Object key, Supplier<T> work) {
    synchronized (locks[Math.floorMod(key.hashCode(), locks.length)]) {
      return work.get();
    }
  }

  void locked(Object key, Runnable work) {
    synchronized (locks[Math.floorMod(key.hashCode(), locks.length)]) {
      work.run();
    }
  }
}
