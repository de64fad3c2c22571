package dev.latchkey.core.testing;

import dev.latchkey.core.Actor;
import dev.latchkey.core.port.RecordingDelivery;
import dev.latchkey.core.session.SessionRecording;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Keeps what it was asked to deliver; {@link #failWith} makes every delivery fail. */
public final class FakeRecordingDelivery implements RecordingDelivery {
  public record Delivered(Actor.SlackUser recipient, SessionRecording recording) {}

  private final List<Delivered> delivered = new ArrayList<>();
  private volatile Optional<String> failure = Optional.empty();

  public void failWith(String error) {
    failure = Optional.of(error);
  }

  @Override
  public synchronized Delivery deliver(Actor.SlackUser recipient, SessionRecording recording) {
    if (failure.isPresent()) {
      return new Delivery.Failed(failure.get());
    }
    delivered.add(new Delivered(recipient, recording));
    return new Delivery.Delivered("D0" + recipient.userId());
  }

  public synchronized List<Delivered> delivered() {
    return List.copyOf(delivered);
  }
}
