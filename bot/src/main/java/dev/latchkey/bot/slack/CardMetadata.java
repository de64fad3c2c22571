package dev.latchkey.bot.slack;

import com.slack.api.model.Message;
import java.util.Map;

/**
 * The Slack message metadata every card carries (its type, and the request id in its payload), so
 * that a card whose post may or may not have gone through can be found again instead of posted
 * twice.
 */
final class CardMetadata {
  static final String EVENT_TYPE = "latchkey_request";
  static final String REQUEST_ID = "request_id";

  private CardMetadata() {}

  /** The metadata of the card of {@code requestId}. */
  static Message.Metadata of(String requestId) {
    return Message.Metadata.builder()
        .eventType(EVENT_TYPE)
        .eventPayload(Map.of(REQUEST_ID, requestId))
        .build();
  }

  /**
   * Whether {@code m} is the card of {@code requestId} posted by Latchkey's own bot ({@code self}):
   * messages of other apps and people are passed over whatever their metadata says.
   */
  static boolean isCardOf(Message m, String requestId, OwnBot.Identity self) {
    return OwnBot.posted(self, m.getBotId(), m.getUser())
        && m.getMetadata() != null
        && EVENT_TYPE.equals(m.getMetadata().getEventType())
        && m.getMetadata().getEventPayload() != null
        && requestId.equals(String.valueOf(m.getMetadata().getEventPayload().get(REQUEST_ID)));
  }
}
