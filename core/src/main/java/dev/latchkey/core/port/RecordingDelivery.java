package dev.latchkey.core.port;

import dev.latchkey.core.Actor;
import dev.latchkey.core.session.SessionRecording;
import java.util.Objects;

/**
 * Hands a session's recording to one person privately (in Slack: a file in a direct message), never
 * to a channel. Called after the core decided that person may have it.
 */
public interface RecordingDelivery {

  Delivery deliver(Actor.SlackUser recipient, SessionRecording recording);

  /** Whether the recording reached the person. */
  sealed interface Delivery {
    /** Delivered; {@code where} names the private conversation (a Slack DM channel id). */
    record Delivered(String where) implements Delivery {
      public Delivered {
        Objects.requireNonNull(where, "where");
      }
    }

    /** Not delivered; {@code error} says why in a few words (e.g. Slack's error code). */
    record Failed(String error) implements Delivery {
      public Failed {
        Objects.requireNonNull(error, "error");
      }
    }
  }
}
