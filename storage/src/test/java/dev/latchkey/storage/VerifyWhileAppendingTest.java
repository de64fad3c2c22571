package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.Actor;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The chain is verified in the background while Latchkey serves: events committed during a check
 * are outside it, never reported as a break (a false "audit chain BROKEN" would page someone for
 * nothing).
 */
class VerifyWhileAppendingTest extends EngineTest {
  @Test
  void verifyingWhileEventsAreAppendedNeverReportsABreak() throws Exception {
    try (Database db = engine.open(new MutableClock(T0))) {
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer =
          new Thread(
              () -> {
                for (int n = 0; !stop.get(); n++) {
                  db.audit()
                      .append(
                          new AuditEvent(
                              T0.plusNanos(n),
                              Actor.SYSTEM,
                              Optional.of(Fixtures.ACME),
                              Optional.empty(),
                              AuditAction.GRANT_RETRY,
                              AuditResult.OK,
                              Map.of("n", Integer.toString(n))));
                }
              });
      writer.start();
      List<AuditVerification> broken = new ArrayList<>();
      int checks = 0;
      try {
        long until =
            System.nanoTime() + 1_000_000_000L; // it failed on the first check before the fix
        while (System.nanoTime() < until && checks < 200 && broken.isEmpty()) {
          AuditVerification check = db.verifyAudit();
          checks++;
          if (!check.intact()) {
            broken.add(check);
          }
        }
      } finally {
        stop.set(true);
        writer.join();
      }
      assertThat(broken).isEmpty();
      assertThat(checks).isGreaterThan(5);
      assertThat(db.verifyAudit().intact()).isTrue();
    }
  }
}
