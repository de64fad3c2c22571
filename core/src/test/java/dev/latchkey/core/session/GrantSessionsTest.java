package dev.latchkey.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.port.SessionStore.LogCount;
import dev.latchkey.core.testing.SessionRig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the card learns of sessions, and that it hears when they change. */
class GrantSessionsTest {
  private final SessionRig s = new SessionRig();
  private final AccessRequest r = s.rig.active();

  @Test
  void openSessionsOldestFirstAndASummaryOfEverything() {
    StreamSession first = s.exec(r, "web", "api-7f", "sh");
    s.rig.clock.advance(Duration.ofSeconds(5));
    StreamSession second = s.exec(r, "web", "api-7f", "top");
    s.rig.clock.advance(Duration.ofSeconds(5));
    StreamSession third = s.exec(r, "db", "pg-0", "psql");
    s.end(second, SessionEnd.Cause.CLIENT_CLOSED, SessionRig.cast("q"));
    s.log(s.line(r, "list", "pods", Optional.empty(), 200, Optional.empty()));

    assertThat(new GrantSessions(s.sessions).open(r.id())).containsExactly(first, third);
    GrantSessions.Summary summary = new GrantSessions(s.sessions).summary(r.id());
    assertThat(summary.sessions()).hasSize(3);
    assertThat(summary.open()).isEqualTo(2);
    assertThat(summary.requests().total()).isEqualTo(1);
  }

  @Test
  void openingAndEndingASessionTellTheNotifierAfterItIsStored() {
    StreamSession session = s.exec(r, "web", "api-7f", "sh");
    assertThat(s.rig.notifier.sessionChanges()).containsExactly(r.id());
    assertThat(s.sessions.session(session.id())).isPresent();
    s.end(session, SessionEnd.Cause.EXPIRED, SessionRig.cast());
    assertThat(s.rig.notifier.sessionChanges()).containsExactly(r.id(), r.id());
  }

  @Test
  void refusedMeansRefusedByLatchkeyOrTheClusterNotAnyError() {
    RequestTotals totals =
        RequestTotals.of(
            List.of(
                new LogCount("get", "pods", Optional.empty(), 200, false, 7),
                new LogCount("get", "pods", Optional.empty(), 404, false, 2),
                new LogCount("get", "pods", Optional.empty(), 500, false, 1),
                new LogCount("get", "secrets", Optional.empty(), 403, false, 3),
                new LogCount("get", "secrets", Optional.empty(), 401, false, 1),
                new LogCount("create", "pods", Optional.of("exec"), 403, true, 4)));
    assertThat(totals.total()).isEqualTo(18);
    assertThat(totals.refused()).isEqualTo(8);
    assertThat(totals.byWhat())
        .containsExactly(
            new RequestTotals.RequestCount("get", "pods", 10, 0, 0),
            new RequestTotals.RequestCount("create", "pods/exec", 4, 4, 0),
            new RequestTotals.RequestCount("get", "secrets", 4, 0, 4));
  }

  @Test
  void aTypedSessionIdIsReadLikeARequestId() {
    SessionId id = new SessionId("gs-7k2m9q4x0abc");
    assertThat(SessionId.parse("GS-7K2M9Q4XOABC")).contains(id);
    assertThat(SessionId.parse(" 7k2m9q4x0abc ")).contains(id);
    assertThat(SessionId.parse("gs-7k2m9q4x0ab")).isEmpty();
    assertThat(SessionId.parse("gs-7k2m9q4x0abu")).isEmpty();
    assertThat(SessionId.parse(null)).isEmpty();
  }
}
