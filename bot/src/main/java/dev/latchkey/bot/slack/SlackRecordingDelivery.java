package dev.latchkey.bot.slack;

import dev.latchkey.core.Actor;
import dev.latchkey.core.port.RecordingDelivery;
import dev.latchkey.core.session.SessionRecording;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a recording as a {@code .cast} file in the app's direct message with the approver, with
 * how to replay it and its SHA-256 ({@link SessionTexts#recordingComment}). Never into a channel: a
 * failure is reported back, not answered elsewhere.
 */
final class SlackRecordingDelivery implements RecordingDelivery {
  private static final Logger log = LoggerFactory.getLogger(SlackRecordingDelivery.class);
  private final SlackApi api;
  private final SlackFileUpload upload;

  SlackRecordingDelivery(SlackApi api) {
    this.api = api.interactive();
    this.upload = new SlackFileUpload(this.api);
  }

  @Override
  public Delivery deliver(Actor.SlackUser recipient, SessionRecording recording) {
    try {
      String channel = api.openDirectMessage(recipient.userId());
      if (!channel.startsWith("D")) {
        // conversations.open with one user answers with that user's DM; anything else is not
        // private.
        return new Delivery.Failed("not a direct message: " + channel);
      }
      upload.share(
          channel,
          recording.fileName(),
          recording.cast(),
          SessionTexts.recordingComment(recording));
      return new Delivery.Delivered(channel);
    } catch (SlackCallException e) {
      log.warn(
          "recording of {} not delivered to {}: {} {}",
          recording.session().id(),
          recipient.userId(),
          e.method(),
          e.error());
      return new Delivery.Failed(e.error());
    }
  }
}
