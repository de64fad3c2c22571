package dev.latchkey.bot.slack;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.session.SendRecording;
import dev.latchkey.core.session.SessionEnd;
import dev.latchkey.core.session.SessionRecording;
import dev.latchkey.core.session.StreamSession;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The words about gateway sessions: a session in a line, how it ended, the card's line, and the
 * answers about recordings. Pod names, commands and containers come from what a client sent, so
 * they are escaped and clipped here.
 */
final class SessionTexts {
  /** Open sessions a card names; more are counted. */
  static final int MAX_OPEN_ON_CARD = 5;

  private static final int MAX_COMMAND = 80;
  private static final int MAX_NAME = 60;

  private SessionTexts() {}

  /** What a session is, e.g. "exec `sh` in `web/api-7f` (`app`)". */
  static String what(StreamSession s) {
    String where =
        Mrkdwn.code(clip(s.namespace() + "/" + s.pod(), MAX_NAME))
            + s.container().map(c -> " (" + Mrkdwn.code(clip(c, MAX_NAME)) + ")").orElse("");
    return switch (s.kind()) {
      case EXEC ->
          "exec "
              + (s.command().isEmpty()
                  ? ""
                  : Mrkdwn.code(clip(String.join(" ", s.command()), MAX_COMMAND)) + " ")
              + "in "
              + where;
      case ATTACH -> "attach to " + where;
      case PORT_FORWARD -> "port-forward to " + where;
    };
  }

  /** How a session ended, in a few words. */
  static String ended(SessionEnd.Cause cause) {
    return switch (cause) {
      case CLIENT_CLOSED -> "closed by the client";
      case SERVER_CLOSED -> "closed by the pod or the API server";
      case EXPIRED -> "cut: access expired";
      case REVOKED -> "cut: access revoked";
      case GRANT_ENDED -> "cut: access ended";
      case TOKEN_EXPIRED -> "cut: the token expired";
      case RECORDING_FAILED -> "ended: it could not be recorded";
      case RECORDING_FULL -> "ended: its recording was full";
      case GATEWAY_STOPPING -> "closed: Latchkey stopped";
      case FAILED -> "failed (connection error)";
    };
  }

  /** A size for people: 512 B, 12.3 KB, 4.0 MB. */
  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
  }

  static String count(long n, String thing) {
    return n + " " + thing + (n == 1 ? "" : "s");
  }

  /**
   * The card's line about sessions: the open ones while access lasts, a summary once it has ended;
   * empty when there is nothing to say.
   */
  static Optional<String> card(AccessRequest r, CardSessions s) {
    if (r.state() == RequestState.ACTIVE && !s.open().isEmpty()) {
      List<StreamSession> open = s.open();
      String named =
          open.stream()
              .limit(MAX_OPEN_ON_CARD)
              .map(x -> what(x) + " since " + Mrkdwn.date(x.startedAt()))
              .collect(Collectors.joining("; "));
      int more = open.size() - Math.min(open.size(), MAX_OPEN_ON_CARD);
      return Optional.of(
          ":satellite_antenna: *"
              + count(open.size(), "session")
              + " open*: "
              + named
              + (more > 0 ? "; and " + more + " more" : "")
              + ".");
    }
    if (s.summary().isEmpty() || s.summary().get().isEmpty()) {
      return Optional.empty();
    }
    CardSessions.Summary sum = s.summary().get();
    return Optional.of(
        ":clipboard: *Through the gateway*: "
            + count(sum.sessions(), "session")
            + ", "
            + count(sum.commandsTyped(), "command")
            + " typed"
            + (sum.uncounted() > 0
                ? " (not counting " + count(sum.uncounted(), "large recording") + ")"
                : "")
            + ", "
            + count(sum.requests(), "request")
            + ", "
            + sum.refused()
            + " refused"
            + (s.open().isEmpty() ? "" : " (" + count(s.open().size(), "session") + " closing)")
            + ". The requester and the customer's approvers see them with "
            + Mrkdwn.code("/access activity " + r.id().value())
            + ".");
  }

  /** The answer to {@code /access recording}. */
  static String recording(SendRecording.Result result, String usage) {
    return switch (result) {
      case SendRecording.Result.Sent sent ->
          ":film_frames: Sent you the recording of "
              + Mrkdwn.code(sent.recording().session().id().value())
              + " in a direct message ("
              + size(sent.recording().bytes())
              + ", SHA-256 "
              + Mrkdwn.code(sent.recording().sha256())
              + "). Replay it with "
              + Mrkdwn.code("asciinema play " + sent.recording().fileName())
              + ".";
      case SendRecording.Result.NotDelivered failed ->
          ":warning: The recording of "
              + Mrkdwn.code(failed.recording().session().id().value())
              + " could not be sent to you privately (Slack: "
              + Mrkdwn.escape(failed.error())
              + "); it was sent nowhere else. Try again, or check that Latchkey may send you"
              + " direct messages.";
      case SendRecording.Result.Refused refused ->
          Texts.refused(RefusalTexts.Situation.RECORDING, refused.refusal());
      case SendRecording.Result.NotFound notFound ->
          Texts.problem(
              "No session "
                  + notFound.typedId()
                  + " in this channel. /access activity <request id> lists a grant's sessions.",
              usage);
    };
  }

  /** What goes with the recording's file in the approver's direct message. */
  static String recordingComment(SessionRecording rec) {
    StreamSession s = rec.session();
    AccessRequest r = rec.request();
    return ":film_frames: Recording of session "
        + Mrkdwn.code(s.id().value())
        + ": "
        + what(s)
        + " on *"
        + Mrkdwn.escape(r.cluster().name())
        + "*, access "
        + Mrkdwn.code(r.id().value())
        + " of "
        + Mrkdwn.user(r.requester().user().userId())
        + ", from "
        + Mrkdwn.date(s.startedAt())
        + " to "
        + Mrkdwn.date(rec.end().endedAt())
        + " ("
        + ended(rec.end().cause())
        + ").\nReplay it with "
        + Mrkdwn.code("asciinema play " + rec.fileName())
        + " (any asciicast v2 player).\nSHA-256 "
        + Mrkdwn.code(rec.sha256())
        + ", the same as in the session's `session.ended` audit event ("
        + Mrkdwn.code("/access audit " + r.id().value())
        + ").\nOnly you received it, because you asked as an approver of "
        + Mrkdwn.escape(r.cluster().customer().value())
        + "; the request's audit records that (`recording.sent`). Keep it private.";
  }

  /** Text a client sent, cut to {@code max} characters (then escaped by the caller). */
  static String clip(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "…";
  }
}
