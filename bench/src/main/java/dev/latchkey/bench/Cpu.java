package dev.latchkey.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * CPU accounting from /proc: how many cores a process used over an interval, how busy the whole
 * machine was, and how loaded it was by others (load average, pressure stall information). The
 * machine's two cores are shared by everything in a run, so these figures say whether a latency
 * came from the server under test or from a lack of CPU.
 */
final class Cpu {
  private static final double TICKS_PER_SECOND = 100.0;

  private Cpu() {}

  /** A reading to compare with a later one. */
  record Mark(long nanos, long processTicks, long machineTotal, long machineIdle) {}

  static Mark mark(long pid) {
    long[] machine = machine();
    return new Mark(System.nanoTime(), processTicks(pid), machine[0], machine[1]);
  }

  /** Cores the process used between the two marks. */
  static double cores(Mark from, Mark to) {
    double seconds = (to.nanos() - from.nanos()) / 1e9;
    return (to.processTicks() - from.processTicks()) / TICKS_PER_SECOND / seconds;
  }

  /** Share of the machine's CPU time that was busy (any process) between the two marks. */
  static double machineBusy(Mark from, Mark to) {
    long total = to.machineTotal() - from.machineTotal();
    long idle = to.machineIdle() - from.machineIdle();
    return total <= 0 ? 0 : 1.0 - (double) idle / total;
  }

  /** CPU seconds used so far by this process, the API server and etcd (an array of three). */
  static double[] seconds(long apiserverPid, long etcdPid) {
    return new double[] {
      processTicks(ProcessHandle.current().pid()) / TICKS_PER_SECOND,
      processTicks(apiserverPid) / TICKS_PER_SECOND,
      processTicks(etcdPid) / TICKS_PER_SECOND
    };
  }

  /**
   * "12.3 s (this process) + 4.5 s (API server) + 1.2 s (etcd)" between two readings of {@link
   * #seconds}.
   */
  static String spent(double[] from, double[] to, String self) {
    return String.format(
        Locale.ROOT,
        "%.1f s (%s) + %.1f s (API server) + %.1f s (etcd)",
        to[0] - from[0],
        self,
        to[1] - from[1],
        to[2] - from[2]);
  }

  /** utime + stime of a process, in clock ticks. */
  static long processTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long[] machine() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total, idle};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** "load 1.23 / 2.34 / 3.45, CPU pressure 12% (60 s)" now. */
  static String load() {
    String load;
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      load = "load average " + f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException | RuntimeException e) {
      load = "load average unknown";
    }
    try {
      String some = Files.readAllLines(Path.of("/proc/pressure/cpu")).getFirst();
      for (String part : some.split(" ")) {
        if (part.startsWith("avg60=")) {
          return load + ", CPU pressure " + part.substring(6) + "% (some, 60 s)";
        }
      }
    } catch (IOException | RuntimeException e) {
      // no PSI on this kernel
    }
    return load;
  }

  static String percent(double share) {
    return String.format(Locale.ROOT, "%.0f%%", share * 100);
  }
}
