package dev.latchkey.bot.slack;

import com.slack.api.model.event.Event;
import com.slack.api.model.event.MessageThreadBroadcastEvent;

/**
 * A thread reply also sent to the channel, as the Events API delivers it. The SDK's own type for it
 * drops {@code bot_id}, which a written decision needs to tell an app's message from an approver's.
 */
public final class BroadcastReply implements Event {
  // Bolt reads type and subtype from a new instance to route these events here; Gson fills the rest
  // (snake case).
  private String type = MessageThreadBroadcastEvent.TYPE_NAME;
  private String subtype = MessageThreadBroadcastEvent.SUBTYPE_NAME;
  private String channel;
  private String user;
  private String botId;
  private String text;
  private String ts;
  private String threadTs;

  @Override
  public String getType() {
    return type;
  }

  @Override
  public String getSubtype() {
    return subtype;
  }

  public String getChannel() {
    return channel;
  }

  public String getUser() {
    return user;
  }

  public String getBotId() {
    return botId;
  }

  public String getText() {
    return text;
  }

  public String getTs() {
    return ts;
  }

  public String getThreadTs() {
    return threadTs;
  }
}
