package dev.latchkey.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load generator: request i is due at start + i/rate by the wall clock, whether or not
 * earlier ones were answered, and its latency is measured from that intended instant (not from when
 * it was actually sent), so a stalled server or a late sender shows up in the figures instead of
 * hiding (no coordinated omission).
 */
final class OpenLoop {
  /** One request of the mix. */
  record Op(String kind, HttpRequest request) {}

  /** What one run at one rate measured (latencies in microseconds). */
  record Result(
      int rate,
      int seconds,
      long sent,
      long ok,
      long errors,
      long over3s,
      Histogram all,
      Map<String, Histogram> byKind,
      Map<String, Long> errorKinds,
      long maxSendLagMicros) {

    double p50Ms() {
      return all.getValueAtPercentile(50) / 1000.0;
    }

    double p99Ms() {
      return all.getValueAtPercentile(99) / 1000.0;
    }

    double maxMs() {
      return all.getMaxValue() / 1000.0;
    }
  }

  static final long HIGHEST_MICROS = 120_000_000L;

  private OpenLoop() {}

  /**
   * Sends {@code rate} requests a second for {@code seconds}; {@code mix} builds request i when it
   * is due.
   */
  static Result run(HttpClient client, int rate, int seconds, LongFunction<Op> mix)
      throws InterruptedException {
    long total = (long) rate * seconds;
    long periodNanos = 1_000_000_000L / rate;
    ConcurrentHistogram all = new ConcurrentHistogram(HIGHEST_MICROS, 3);
    Map<String, ConcurrentHistogram> byKind = new ConcurrentHashMap<>();
    Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    LongAdder ok = new LongAdder();
    LongAdder errors = new LongAdder();
    LongAdder over3s = new LongAdder();
    AtomicLong done = new AtomicLong();
    long maxLag = 0;
    long start = System.nanoTime() + 20_000_000L;
    for (long i = 0; i < total; i++) {
      long intended = start + i * periodNanos;
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        if (wait > 200_000) {
          LockSupport.parkNanos(wait - 100_000);
        } else {
          Thread.onSpinWait();
        }
      }
      maxLag = Math.max(maxLag, System.nanoTime() - intended);
      Op op = mix.apply(i);
      ConcurrentHistogram kindHistogram =
          byKind.computeIfAbsent(op.kind(), k -> new ConcurrentHistogram(HIGHEST_MICROS, 3));
      client
          .sendAsync(op.request(), HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (response, failure) -> {
                long micros =
                    Math.min(HIGHEST_MICROS, Math.max(1, (System.nanoTime() - intended) / 1000));
                all.recordValue(micros);
                kindHistogram.recordValue(micros);
                if (micros > 3_000_000) {
                  over3s.increment();
                }
                if (failure != null) {
                  errors.increment();
                  errorKinds
                      .computeIfAbsent(
                          op.kind() + ": " + failure.getClass().getSimpleName(),
                          k -> new LongAdder())
                      .increment();
                } else if (response.statusCode() != 200) {
                  errors.increment();
                  errorKinds
                      .computeIfAbsent(
                          op.kind() + ": HTTP " + response.statusCode(), k -> new LongAdder())
                      .increment();
                } else {
                  ok.increment();
                }
                done.incrementAndGet();
              });
    }
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (done.get() < total && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    long unanswered = total - done.get();
    Map<String, Histogram> kinds = new TreeMap<>(byKind);
    Map<String, Long> errs = new TreeMap<>();
    errorKinds.forEach((k, v) -> errs.put(k, v.sum()));
    if (unanswered > 0) {
      errs.put("unanswered after 30 s", unanswered);
    }
    return new Result(
        rate,
        seconds,
        total,
        ok.sum(),
        errors.sum() + unanswered,
        over3s.sum() + unanswered,
        all,
        kinds,
        errs,
        maxLag / 1000);
  }
}
