package dev.latchkey.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Benchmark 1 and 5 as rows of the results table and their sections of RESULTS.md. */
final class AckReport {
  private AckReport() {}

  static void write(
      Bench bench,
      AckServer floor,
      AckServer latchkey,
      Duration restart,
      String latchkeyState,
      long fallbacks,
      long refusedRequests,
      String loadBefore,
      String loadAfter) {
    Report report = bench.report();
    for (int rate : bench.rates()) {
      OpenLoop.Result l = latchkey.levels.get(rate);
      OpenLoop.Result f = floor.levels.get(rate);
      boolean p99Ok = l.p99Ms() <= 2 * f.p99Ms() && (rate != 100 || l.p99Ms() <= 50);
      String target = rate == 100 ? "≤ 50 ms and ≤ 2× floor" : "≤ 2× floor";
      report.row(
          "1. ack p99 at " + rate + "/s (p50 / max)",
          Report.ms(l.p99Ms()) + " (" + Report.ms(l.p50Ms()) + " / " + Report.ms(l.maxMs()) + ")",
          Report.ms(f.p99Ms()) + " (" + Report.ms(f.p50Ms()) + " / " + Report.ms(f.maxMs()) + ")",
          Report.ratio(l.p99Ms(), f.p99Ms()),
          target,
          Report.yesNo(p99Ok));
      report.row(
          "1. over 3 s / errors at " + rate + "/s (of " + l.sent() + ")",
          l.over3s() + " / " + l.errors(),
          f.over3s() + " / " + f.errors(),
          "—",
          "0 over 3 s",
          Report.yesNo(l.over3s() == 0));
    }
    // Start 1 is on a new database and writes the class archive (AppCDS, in the default JVM
    // options) at exit;
    // the later starts read it, as every start after the first does.
    Duration lFirst = latchkey.starts.getFirst();
    Duration fFirst = floor.starts.getFirst();
    report.row(
        "5. start-up to ready, first start (new database, no class archive yet)",
        Report.ms(lFirst.toMillis()),
        Report.ms(fFirst.toMillis()),
        Report.ratio(lFirst.toMillis(), fFirst.toMillis()),
        "≤ 3 s",
        Report.yesNo(lFirst.toMillis() <= 3000));
    Duration lWorst = latchkey.starts.stream().skip(1).max(Duration::compareTo).orElseThrow();
    Duration fWorst = floor.starts.stream().skip(1).max(Duration::compareTo).orElseThrow();
    report.row(
        "5. start-up to ready, later starts (class archive present), worst of 2",
        Report.ms(lWorst.toMillis()),
        Report.ms(fWorst.toMillis()),
        Report.ratio(lWorst.toMillis(), fWorst.toMillis()),
        "≤ 3 s",
        Report.yesNo(lWorst.toMillis() <= 3000));
    if (restart != null) {
      report.row(
          "5. restart on the state benchmark 1 left (" + latchkeyState + ")",
          Report.ms(restart.toMillis()),
          "—",
          "—",
          "≤ 3 s",
          Report.yesNo(restart.toMillis() <= 3000));
    }
    report.row(
        "5. peak RSS (VmHWM) over start-up, warm-up and benchmark 1",
        mib(latchkey.peakRssKib),
        mib(floor.peakRssKib),
        Report.ratio(latchkey.peakRssKib, floor.peakRssKib),
        "≤ 300 MB",
        Report.yesNo(latchkey.peakRssKib * 1024L <= 300L * 1000 * 1000));

    StringBuilder s = new StringBuilder();
    s.append("### 1. Slack acknowledgement latency\n\n");
    s.append("Open loop, ")
        .append(bench.seconds())
        .append(" s per rate after a ")
        .append(bench.warmupSeconds())
        .append(
            " s warm-up at 50/s; latency from each request's intended send time to its answer"
                + " (HdrHistogram). ")
        .append(
            "Mix per 10 requests: 1 approve + 1 deny click on real pending requests, 2 clicks by a"
                + " non-approver (vendor workspace: refused and audited), `/access list` ×2,"
                + " `/access status` ×2, `/access request` ×2. Both servers run as child processes"
                + " with `")
        .append(String.join(" ", bench.jvmOptions()))
        .append(
            "`, both up throughout; the rates alternate between "
                + "them (floor, then Latchkey). Machine before: ")
        .append(loadBefore)
        .append("; after: ")
        .append(loadAfter)
        .append(".\n\n");
    s.append(
        "| rate | server | sent | p50 | p90 | p99 | p99.9 | max | errors | > 3 s | server CPU |"
            + " machine busy | Slack quiet again after |\n");
    s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (int rate : bench.rates()) {
      for (AckServer side : List.of(floor, latchkey)) {
        OpenLoop.Result r = side.levels.get(rate);
        Histogram h = r.all();
        s.append("| ")
            .append(rate)
            .append("/s | ")
            .append(side.name)
            .append(" | ")
            .append(r.sent())
            .append(" | ")
            .append(Report.ms(h.getValueAtPercentile(50) / 1000.0))
            .append(" | ")
            .append(Report.ms(h.getValueAtPercentile(90) / 1000.0))
            .append(" | ")
            .append(Report.ms(h.getValueAtPercentile(99) / 1000.0))
            .append(" | ")
            .append(Report.ms(h.getValueAtPercentile(99.9) / 1000.0))
            .append(" | ")
            .append(Report.ms(h.getMaxValue() / 1000.0))
            .append(" | ")
            .append(r.errors())
            .append(" | ")
            .append(r.over3s())
            .append(" | ")
            .append(String.format(Locale.ROOT, "%.2f cores", side.cores.get(rate)))
            .append(" | ")
            .append(Cpu.percent(side.machineBusy.get(rate)))
            .append(" | ")
            .append(String.format(Locale.ROOT, "%.1f s", side.drains.get(rate) / 1000.0))
            .append(" |\n");
      }
    }
    s.append(
        "\nLatchkey by kind of request:\n\n| rate | kind | count | p50 | p99 | max |\n"
            + "| --- | --- | --- | --- | --- | --- |\n");
    for (int rate : bench.rates()) {
      latchkey
          .levels
          .get(rate)
          .byKind()
          .forEach(
              (kind, h) ->
                  s.append("| ")
                      .append(rate)
                      .append("/s | ")
                      .append(kind)
                      .append(" | ")
                      .append(h.getTotalCount())
                      .append(" | ")
                      .append(Report.ms(h.getValueAtPercentile(50) / 1000.0))
                      .append(" | ")
                      .append(Report.ms(h.getValueAtPercentile(99) / 1000.0))
                      .append(" | ")
                      .append(Report.ms(h.getMaxValue() / 1000.0))
                      .append(" |\n"));
    }
    Map<String, Long> errors = new LinkedHashMap<>();
    for (AckServer side : List.of(floor, latchkey)) {
      side.levels.forEach(
          (rate, r) ->
              r.errorKinds().forEach((k, v) -> errors.put(side.name + " " + rate + "/s " + k, v)));
    }
    if (!errors.isEmpty()) {
      s.append("\nErrors: ").append(errors).append('\n');
    }
    s.append(
            "\n"
                + "Clicks that found no pending request left and went to the non-approver path"
                + " instead: ")
        .append(fallbacks)
        .append(". `/access request`s answered without an id (refused): ")
        .append(refusedRequests)
        .append(". Slack Web API calls received so far: ")
        .append(bench.slack().calls())
        .append(".\n");
    s.append("\nLatchkey's own counters at the end (`/metrics`):\n\n```\n")
        .append(latchkey.metrics.strip())
        .append("\n```\n");
    s.append(
        "\n"
            + "### 5. Start-up to ready\n\n"
            + "From `ProcessBuilder.start()` to the first 200 from `/readyz` (Latchkey:"
            + " configuration read, database open and migrated, cluster connected, timers caught up"
            + " and reconciled, Slack served; the floor: Jetty and the bare Bolt app started)."
            + " Three starts each, alternating, the first on a new H2 file and without a class"
            + " archive.\n\n"
            + "| | start 1 | start 2 | start 3 |\n"
            + "| --- | --- | --- | --- |\n");
    for (AckServer side : List.of(floor, latchkey)) {
      s.append("| ").append(side.name);
      side.starts.forEach(d -> s.append(" | ").append(Report.ms(d.toMillis())));
      s.append(" |\n");
    }
    if (restart != null) {
      s.append("| Latchkey restarted after benchmark 1 (")
          .append(latchkeyState)
          .append(") | ")
          .append(Report.ms(restart.toMillis()))
          .append(" | | |\n");
    }
    s.append(
        "\n"
            + "The JVM options include a dynamic class-data archive (`-XX:+AutoCreateSharedArchive"
            + " -XX:SharedArchiveFile=...`): start 1 writes it when the process exits, starts 2 and"
            + " 3 map it.\n");
    s.append("\nResident memory right after start 3 (idle): Latchkey ")
        .append(mib(latchkey.rssAfterStart))
        .append(", bare Bolt ")
        .append(mib(floor.rssAfterStart))
        .append(".\n");
    report.section(s.toString());
  }

  private static String mib(long kib) {
    return String.format(Locale.ROOT, "%.0f MB", kib * 1024.0 / 1_000_000);
  }
}
