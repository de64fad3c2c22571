package dev.latchkey.bot.slack;

import com.slack.api.model.block.LayoutBlock;
import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.port.SessionStore.SessionRecord;
import dev.latchkey.core.session.GrantActivity;
import dev.latchkey.core.session.RequestTotals;
import dev.latchkey.core.session.RequestTotals.RequestCount;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.StreamSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The answer to {@code /access activity}: the grant's sessions (newest first) and its requests
 * counted, refused ones first, within Slack's limits (sections of at most {@value
 * RequestCard#MAX_SECTION_TEXT} characters, at most {@value #MAX_BLOCKS} blocks). Never the
 * recordings.
 */
final class ActivityReply {
  static final int MAX_SESSIONS = 40;
  static final int MAX_REQUEST_ROWS = 30;
  static final int MAX_BLOCKS = RequestCard.MAX_BLOCKS;

  private ActivityReply() {}

  static CommandReplies.Reply of(GrantActivity.Activity a) {
    AccessRequest r = a.request();
    RequestTotals totals = a.requests();
    long open = a.sessions().stream().filter(s -> s.end().isEmpty()).count();
    List<LayoutBlock> blocks = new ArrayList<>();
    String headline =
        "*Activity of* "
            + Mrkdwn.code(r.id().value())
            + " ("
            + Mrkdwn.escape(r.role())
            + " on "
            + Mrkdwn.escape(r.cluster().name())
            + ", requested by "
            + Mrkdwn.user(r.requester().user().userId())
            + "): *"
            + SessionTexts.count(a.sessions().size(), "session")
            + "*"
            + (open > 0 ? " (" + open + " open)" : "")
            + ", *"
            + SessionTexts.count(totals.total(), "request")
            + "*"
            + (totals.refused() > 0 ? " (" + totals.refused() + " refused)" : "")
            + ".";
    if (a.sessions().isEmpty() && totals.total() == 0) {
      headline +=
          r.credentials() == CredentialMode.GATEWAY
              ? " Nothing has gone through the gateway yet."
              : " "
                  + Mrkdwn.escape(r.cluster().name())
                  + " hands out direct credentials ("
                  + r.credentials().name().toLowerCase(Locale.ROOT)
                  + "): they do not pass through Latchkey, so no session or request of this"
                  + " access is recorded.";
    }
    blocks.add(RequestCard.section(headline));
    if (!a.sessions().isEmpty()) {
      List<String> lines = new ArrayList<>();
      for (SessionRecord s : a.sessions().subList(0, Math.min(MAX_SESSIONS, a.sessions().size()))) {
        lines.add(line(s));
      }
      if (a.sessions().size() > MAX_SESSIONS) {
        lines.add("_…and " + (a.sessions().size() - MAX_SESSIONS) + " earlier sessions_");
      }
      sections(blocks, "*Sessions*, newest first", lines);
      blocks.add(
          RequestCard.section(
              a.viewer().receivesRecordings()
                  ? "Recordings go only to the customer's approvers, privately: "
                      + Texts.usage(Command.RECORDING_USAGE)
                      + " sends one to you in a direct message."
                  : "Recordings of exec and attach sessions go only to the customer's approvers."));
    }
    if (totals.total() > 0) {
      List<String> refused = new ArrayList<>();
      List<String> passed = new ArrayList<>();
      for (RequestCount c : totals.byWhat()) {
        if (c.refused() > 0) {
          refused.add(refusedLine(c));
        }
        if (c.total() > c.refused()) {
          passed.add("• " + what(c) + " — " + (c.total() - c.refused()));
        }
      }
      if (!refused.isEmpty()) {
        sections(blocks, ":no_entry: *Refused requests*", capped(refused));
      }
      if (!passed.isEmpty()) {
        sections(blocks, "*Requests*, the most frequent first", capped(passed));
      }
    }
    return new CommandReplies.Reply(
        "Activity of "
            + r.id().value()
            + ": "
            + SessionTexts.count(a.sessions().size(), "session")
            + ", "
            + SessionTexts.count(totals.total(), "request"),
        blocks.subList(0, Math.min(blocks.size(), MAX_BLOCKS)),
        false);
  }

  /** One session: id, what, when, how it ended, how big. */
  static String line(SessionRecord record) {
    StreamSession s = record.session();
    StringBuilder line =
        new StringBuilder("• ")
            .append(Mrkdwn.code(s.id().value()))
            .append(" · ")
            .append(SessionTexts.what(s))
            .append(s.tty() ? " · tty" : "")
            .append(" · ")
            .append(Mrkdwn.date(s.startedAt()));
    if (record.end().isEmpty()) {
      return line.append(" · *open*").toString();
    }
    SessionEnd end = record.end().get();
    line.append(" to ")
        .append(Mrkdwn.date(end.endedAt()))
        .append(" (")
        .append(SessionTexts.ended(end.cause()))
        .append(") · ");
    if (s.kind().recorded()) {
      line.append(SessionTexts.size(end.recordingBytes())).append(" recorded");
    } else {
      line.append(SessionTexts.size(end.bytesFromClient() + end.bytesFromServer()))
          .append(" passed");
    }
    return line.toString();
  }

  private static String refusedLine(RequestCount c) {
    List<String> by = new ArrayList<>();
    if (c.refusedByLatchkey() > 0) {
      by.add(c.refusedByLatchkey() + " by Latchkey (protected namespace or ended access)");
    }
    if (c.refusedByCluster() > 0) {
      by.add(c.refusedByCluster() + " by the cluster (401/403: the role does not allow it)");
    }
    return "• " + what(c) + " — " + String.join(", ", by);
  }

  private static String what(RequestCount c) {
    return Mrkdwn.escape(SessionTexts.clip(c.verb(), 32))
        + " "
        + Mrkdwn.code(SessionTexts.clip(c.resource(), 120));
  }

  private static List<String> capped(List<String> rows) {
    if (rows.size() <= MAX_REQUEST_ROWS) {
      return rows;
    }
    List<String> out = new ArrayList<>(rows.subList(0, MAX_REQUEST_ROWS));
    out.add("_…and " + (rows.size() - MAX_REQUEST_ROWS) + " more kinds_");
    return out;
  }

  /** Lines under a title, in as many sections as their length needs. */
  private static void sections(List<LayoutBlock> blocks, String title, List<String> lines) {
    StringBuilder current = new StringBuilder(title);
    for (String line : lines) {
      String cut = Mrkdwn.truncate(line, RequestCard.MAX_SECTION_TEXT - 1);
      if (current.length() + 1 + cut.length() > RequestCard.MAX_SECTION_TEXT) {
        blocks.add(RequestCard.section(current.toString()));
        current = new StringBuilder();
      }
      if (!current.isEmpty()) {
        current.append('\n');
      }
      current.append(cut);
    }
    if (!current.isEmpty()) {
      blocks.add(RequestCard.section(current.toString()));
    }
  }
}
