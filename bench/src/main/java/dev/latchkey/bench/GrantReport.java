package dev.latchkey.bench;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/** Benchmarks 2 and 3 as rows of the results table and their sections of RESULTS.md. */
final class GrantReport {
  private GrantReport() {}

  static void write(
      Report report,
      Histogram toActive,
      Histogram toUsable,
      long probeRetries,
      Histogram floorUsable,
      GrantBench.Expiry e,
      double floorDeleteMillis,
      String floorCpu,
      String load) {
    double p50 = toUsable.getValueAtPercentile(50) / 1000.0;
    double p99 = toUsable.getValueAtPercentile(99) / 1000.0;
    double f50 = floorUsable.getValueAtPercentile(50) / 1000.0;
    double f99 = floorUsable.getValueAtPercentile(99) / 1000.0;
    report.row(
        "2. approve click → token accepted, p50 (" + toUsable.getTotalCount() + " approvals)",
        Report.ms(p50),
        Report.ms(f50),
        Report.ratio(p50, f50),
        "none set (reported)",
        "—");
    report.row(
        "2. approve click → token accepted, p99",
        Report.ms(p99),
        Report.ms(f99),
        Report.ratio(p99, f99),
        "none set (reported)",
        "—");
    String expiryFigure =
        "3. mass expiry: " + e.grants() + " grants expiring at one instant → all gone and EXPIRED";
    if (e.finished()) {
      report.row(
          expiryFigure,
          Report.ms(e.millis()),
          Report.ms(floorDeleteMillis),
          Report.ratio(e.millis(), floorDeleteMillis),
          "≤ 1.25× floor",
          Report.yesNo(e.millis() <= 1.25 * floorDeleteMillis));
    } else {
      report.row(
          expiryFigure,
          "not done after " + Report.ms(e.millis()),
          Report.ms(floorDeleteMillis),
          "> " + Report.ratio(e.millis(), floorDeleteMillis),
          "≤ 1.25× floor",
          Report.yesNo(false));
    }
    StringBuilder s = new StringBuilder();
    s.append("### 2. Approve click → access usable\n\n");
    s.append(toUsable.getTotalCount())
        .append(" approvals one at a time (after ")
        .append(GrantBench.WARMUP_APPROVALS)
        .append(
            " not counted), each on a new pending request: signed Approve click to Latchkey's"
                + " `/slack/events` → request ACTIVE (ServiceAccount and ClusterRoleBinding created"
                + " by Latchkey as its own least-privilege identity) → token minted by the"
                + " kubeconfig use case (`/access kubeconfig`) → `GET /api/v1/pods` with that token"
                + " answers 200. Floor: the same two objects created with fabric8 as the same"
                + " identity, a token minted, the same list, right after each approval (so both see"
                + " the same machine). Machine before: "
                + load
                + ".\n\n");
    s.append("| | p50 | p90 | p99 | max |\n| --- | --- | --- | --- | --- |\n");
    s.append(line("click → ACTIVE (binding present)", toActive));
    s.append(line("click → token accepted", toUsable));
    s.append(line("floor: create → token accepted", floorUsable));
    s.append("\nTries of the pods list before it answered 200 (RBAC caches catching up): ")
        .append(probeRetries)
        .append(" extra in total.\n");
    s.append("\n### 3. Mass expiry\n\n")
        .append(e.grants())
        .append(
            " ACTIVE grants (a ServiceAccount and a ClusterRoleBinding each), all approved at the"
                + " same instant with a 1 h window, made through the core use cases in ")
        .append(String.format(Locale.ROOT, "%.1f s", e.creationMillis() / 1000.0))
        .append(
            "; then the clock moved past their end with Latchkey's real timers running (due pass"
                + " every 500 ms, batches of 500). Figure: until the watches saw the last object"
                + " deleted and the database held no request still ACTIVE or owing a removal."
                + " Objects gone after ")
        .append(Report.ms(e.k8sMillis()))
        .append("; progress: ")
        .append(String.join("; ", e.progress()))
        .append(". CPU used meanwhile: ")
        .append(e.cpu())
        .append(
            ". Floor: the same objects deleted by name, "
                + GrantBench.FLOOR_PARALLELISM
                + " grants at a time (as a "
                + "Latchkey timer lane works), as the same identity: ")
        .append(Report.ms(floorDeleteMillis))
        .append(
            String.format(
                Locale.ROOT, " (%.1f ms per grant); CPU: ", floorDeleteMillis / e.grants()))
        .append(floorCpu)
        .append(".\n");
    report.section(s.toString());
  }

  private static String line(String name, Histogram h) {
    return "| "
        + name
        + " | "
        + Report.ms(h.getValueAtPercentile(50) / 1000.0)
        + " | "
        + Report.ms(h.getValueAtPercentile(90) / 1000.0)
        + " | "
        + Report.ms(h.getValueAtPercentile(99) / 1000.0)
        + " | "
        + Report.ms(h.getMaxValue() / 1000.0)
        + " |\n";
  }
}
