package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValuesTest {

  @Test
  void requestIdsAreShortLowercaseAndReadBackLeniently() {
    RequestId id = RequestId.random(new Random(1));
    assertThat(id.value()).matches("ar-[0-9abcdefghjkmnpqrstvwxyz]{8}");
    assertThat(RequestId.parse(id.value().toUpperCase())).contains(id);
    assertThat(RequestId.parse(id.value().substring(3))).contains(id);
    assertThat(RequestId.parse("AR-0O1IL234")).contains(new RequestId("ar-00111234"));
    assertThat(RequestId.parse("ar-1234")).isEmpty();
    assertThat(RequestId.parse("'; drop table")).isEmpty();
    assertThatThrownBy(() -> new RequestId("AR-12345678"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void durationsParseWhatPeopleType() {
    assertThat(Durations.parse("30m")).contains(Duration.ofMinutes(30));
    assertThat(Durations.parse("2h")).contains(Duration.ofHours(2));
    assertThat(Durations.parse("1h30m")).contains(Duration.ofMinutes(90));
    assertThat(Durations.parse("1D")).contains(Duration.ofDays(1));
    assertThat(Durations.parse("999999h")).contains(Duration.ofHours(999999));
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Durations.format(Duration.ofHours(8))).isEqualTo("8h");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"-1h", "0m", "0h0m", "1e9s", "h", "1.5h", "30", "2 h", "1m1h", "9999999999h", ""})
  void durationsRejectEverythingElse(String typed) {
    assertThat(Durations.parse(typed)).isEmpty();
  }

  @Test
  void subjectsAreDerivedNeverTyped() {
    RequestId id = new RequestId("ar-abcd1234");
    Requester withEmail =
        new Requester(new Actor.SlackUser("T1", "U1"), Optional.of("Bob@Vendor.Example"));
    Requester hidden = new Requester(new Actor.SlackUser("T1", "U1"), Optional.empty());
    assertThat(Subject.of(id, CredentialMode.TOKEN, withEmail, "support:{email}"))
        .isEqualTo(new Subject.ServiceAccount("latchkey-grants", "ar-abcd1234"));
    assertThat(Subject.of(id, CredentialMode.EXTERNAL, withEmail, "support:{email}"))
        .isEqualTo(new Subject.User("support:bob@vendor.example"));
    assertThat(Subject.of(id, CredentialMode.EXTERNAL, hidden, "support:{email}"))
        .isEqualTo(new Subject.User("support:T1:U1"));
  }

  @Test
  void retryBackoffDoublesUpToItsCap() {
    RetryPolicy p = RetryPolicy.DEFAULT;
    assertThat(p.backoff(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.backoff(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.backoff(5)).isEqualTo(Duration.ofSeconds(16));
    assertThat(p.backoff(6)).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.backoff(1000)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void auditEventNamesAreStable() {
    assertThat(AuditAction.REQUEST_SUBMITTED.eventName()).isEqualTo("request.submitted");
    assertThat(AuditAction.RECONCILE_ORPHAN_REMOVED.eventName())
        .isEqualTo("reconcile.orphan_removed");
  }
}
