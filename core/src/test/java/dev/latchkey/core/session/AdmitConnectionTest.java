package dev.latchkey.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What memory answers about a grant is what the records answer, or nothing. */
class AdmitConnectionTest {
  private final TestRig rig = new TestRig().enabled();
  private final AdmitConnection admit =
      new AdmitConnection(rig.requests, rig.core.settings().customers(), rig.clock);

  @Test
  void inMemoryTheAnswerIsTheRecordsAnswerAndOtherwiseThereIsNone() {
    AccessRequest r = rig.active();
    assertThat(admit.admitInMemory(r.id(), r.cluster())).isEmpty();

    rig.requests.answerStandingsInMemory();
    assertThat(admit.admitInMemory(r.id(), r.cluster())).contains(admit.admit(r.id(), r.cluster()));
    rig.clock.advance(
        Duration.ofHours(9)); // past its end: the rule still applies to what memory holds
    assertThat(admit.admitInMemory(r.id(), r.cluster()))
        .contains(admit.admit(r.id(), r.cluster()))
        .containsInstanceOf(Admission.Refused.class);
    assertThat(admit.admitInMemory(new RequestId("ar-00000000"), r.cluster())).isEmpty();
  }
}
