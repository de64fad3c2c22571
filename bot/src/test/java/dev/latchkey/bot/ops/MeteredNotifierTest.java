package dev.latchkey.bot.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.RequestId;
import dev.latchkey.core.testing.RecordingNotifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The metrics wrapper passes every notice on, the gateway's session changes included. */
class MeteredNotifierTest {
  @Test
  void sessionChangesReachTheCard() {
    RecordingNotifier slack = new RecordingNotifier();
    RequestId id = new RequestId("ar-7k2m9q4x");

    new MeteredNotifier(slack, new SimpleMeterRegistry()).sessionsChanged(id);

    assertThat(slack.sessionChanges()).containsExactly(id);
  }
}
