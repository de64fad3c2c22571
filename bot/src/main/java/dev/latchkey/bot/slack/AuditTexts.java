package dev.latchkey.bot.slack;

import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.StoredAuditEvent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code /access audit} for a person: each event as a sentence with its time in the reader's own
 * zone, then the record as stored (event name, exact instant, actor, result, details) on a second
 * line for whoever compares it with the log pipeline.
 */
final class AuditTexts {
  /** Slack shows at most 40,000 characters of a message; the newest events are kept. */
  static final int MAX_CHARS = 30_000;

  private static final int MAX_DETAILS = 700;

  private AuditTexts() {}

  static String trail(RequestId id, List<StoredAuditEvent> events) {
    List<String> entries = new ArrayList<>();
    for (StoredAuditEvent stored : events) {
      entries.add(entry(stored.event()));
    }
    StringBuilder out =
        new StringBuilder(
            "*Audit trail of* "
                + Mrkdwn.code(id.value())
                + " ("
                + Texts.count(events.size(), "event", "events")
                + "; times in your time zone, each event's record as stored below it)");
    int skipped = 0;
    // Room for the line that says how many earlier events are left out.
    int length = out.length() + 60;
    for (int i = entries.size() - 1; i >= 0; i--) {
      length += entries.get(i).length() + 1;
      if (length > MAX_CHARS) {
        skipped = i + 1;
        break;
      }
    }
    if (skipped > 0) {
      out.append("\n_…")
          .append(Texts.count(skipped, "earlier event", "earlier events"))
          .append(" not shown_");
    }
    for (int i = skipped; i < entries.size(); i++) {
      out.append('\n').append(entries.get(i));
    }
    return out.toString();
  }

  /** One event: the sentence, then the raw record. */
  static String entry(AuditEvent e) {
    String details =
        e.details().entrySet().stream()
            .map(d -> d.getKey() + "=" + d.getValue())
            .collect(Collectors.joining(" "));
    return "• "
        + Mrkdwn.date(e.at())
        + " — "
        + sentence(e)
        + "\n      `"
        + e.action().eventName()
        + "` · "
        + e.at()
        + " · "
        + Mrkdwn.escape(e.actor().audit())
        + " · "
        + e.result().name().toLowerCase(Locale.ROOT)
        + (details.isEmpty() ? "" : " · " + Mrkdwn.truncate(Mrkdwn.escape(details), MAX_DETAILS));
  }

  /** What happened, who did it, and the one detail that matters most, in words. */
  static String sentence(AuditEvent e) {
    Map<String, String> d = e.details();
    String who = RequestCard.actor(e.actor());
    String by = " by " + who;
    String why =
        d.containsKey("reason") && e.result() != AuditResult.OK
            ? ": " + reason(d.get("reason"))
            : d.containsKey("error")
                ? ": " + Mrkdwn.truncate(Mrkdwn.escape(d.get("error")), 300)
                : "";
    return switch (e.action()) {
      case REQUEST_SUBMITTED -> "Request submitted" + by;
      case REQUEST_REFUSED -> "Request refused" + why;
      case APPROVAL_GIVEN ->
          "Approval given"
              + by
              + (d.containsKey("approvals") ? " (" + Mrkdwn.escape(d.get("approvals")) + ")" : "");
      case REQUEST_APPROVED -> "Request approved" + by + until(d, "expires_at", "access until");
      case DECISION_REFUSED -> "Decision" + by + " refused" + why;
      case REQUEST_DENIED -> "Request denied" + by;
      case REQUEST_TIMED_OUT -> "Request timed out: nobody answered in time";
      case REQUEST_CANCELLED -> "Request cancelled" + by;
      case GRANT_CREATED -> "Grant created in the cluster" + until(d, "expires_at", "until");
      case GRANT_RETRY -> "Grant not made yet, retrying" + why;
      case GRANT_FAILED -> "Grant failed" + why;
      case REQUEST_REVOKED ->
          "Access revoked"
              + by
              + (d.containsKey("cause") ? " (" + Mrkdwn.escape(d.get("cause")) + ")" : "");
      case REVOKE_REFUSED -> "Revoke" + by + " refused" + why;
      case REQUEST_EXPIRED -> "Access expired";
      case GRANT_REMOVED -> "Grant removed from the cluster";
      case GRANT_REMOVAL_RETRY -> "Grant not removed yet, retrying" + why;
      case EXTENSION_REQUESTED ->
          "Extension"
              + (d.containsKey("duration") ? " by " + Mrkdwn.escape(d.get("duration")) : "")
              + " requested"
              + by;
      case EXTENSION_REFUSED -> "Extension" + by + " refused" + why;
      case REQUEST_EXTENDED -> "Access extended" + until(d, "expires_at", "until");
      case CREDENTIAL_ISSUED -> "Kubeconfig handed out to " + who;
      case CREDENTIAL_REFUSED -> "Kubeconfig for " + who + " refused" + why;
      case CLUSTER_ENABLED -> "Support access enabled" + by;
      case CLUSTER_DISABLED -> "Support access disabled" + by;
      case CLUSTER_CHANGE_REFUSED -> "Support access change" + by + " refused" + why;
      case RECONCILE_ORPHAN_REMOVED -> "Leftover objects removed by reconciliation";
      case RECONCILE_GRANT_MISSING -> "Grant found removed outside Latchkey";
      case RECONCILE_UNMANAGED_FOUND -> "Objects not made by Latchkey found";
      case RECONCILE_UNMANAGED_GONE -> "Objects not made by Latchkey gone";
      case SESSION_STARTED -> "Session started" + by;
      case SESSION_ENDED -> "Session ended";
      case ACTIVITY_REFUSED -> "Activity for" + by + " refused" + why;
      case RECORDING_SENT ->
          e.result() == AuditResult.OK
              ? "Recording of " + session(d) + " sent privately to " + who
              : "Recording of " + session(d) + " for " + who + " not delivered" + why;
      case RECORDING_REFUSED -> "Recording of " + session(d) + " for " + who + " refused" + why;
    };
  }

  private static String session(Map<String, String> d) {
    return d.containsKey("session") ? Mrkdwn.code(d.get("session")) : "a session";
  }

  /** A refusal's reason constant in words: {@code SELF_APPROVAL} reads "self approval". */
  private static String reason(String constant) {
    return Mrkdwn.escape(constant.toLowerCase(Locale.ROOT).replace('_', ' '));
  }

  private static String until(Map<String, String> d, String key, String words) {
    String at = d.get(key);
    if (at == null) {
      return "";
    }
    try {
      return ", " + words + " " + Mrkdwn.date(Instant.parse(at));
    } catch (DateTimeParseException e) {
      return ", " + words + " " + Mrkdwn.escape(at);
    }
  }
}
