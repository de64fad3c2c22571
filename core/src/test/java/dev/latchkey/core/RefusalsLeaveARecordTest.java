package dev.latchkey.core;

import static dev.latchkey.core.testing.Fixtures.ENGINEER;
import static dev.latchkey.core.testing.Fixtures.OTHER_ENGINEER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.request.ExtendAccess;
import dev.latchkey.core.request.RevokeAccess;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.TestRig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every refusal leaves an audit record. */
class RefusalsLeaveARecordTest {
  private final TestRig rig = new TestRig().enabled();
  private final UseCases core = rig.core;

  @Nested
  class RefusalsLeaveARecord {
    @Test
    void reasonsWithControlCharactersOrBrokenUnicodeAreRefused() {
      for (String reason :
          List.of("INC-1\u0000", "INC-1 \u001b[2J", "INC-1 \ud800", "INC-1 \u0085")) {
        var outcome =
            core.submit()
                .submit(
                    new Submission(
                        Fixtures.ACME,
                        "prod",
                        "readonly",
                        Optional.of(Duration.ofHours(1)),
                        List.of(),
                        Fixtures.REQUESTER,
                        reason));
        assertThat(outcome)
            .as(reason)
            .isInstanceOfSatisfying(
                SubmitRequest.Result.Refused.class,
                x -> assertThat(x.refusal().reason()).isEqualTo(Refusal.Reason.INVALID_REASON));
      }
      assertThat(
              core.submit()
                  .submit(
                      new Submission(
                          Fixtures.ACME,
                          "prod",
                          "readonly",
                          Optional.of(Duration.ofHours(1)),
                          List.of(),
                          Fixtures.REQUESTER,
                          "INC-1\n\tpods 🚀")))
          .isInstanceOf(SubmitRequest.Result.Submitted.class);
      assertThat(rig.audit.count(AuditAction.REQUEST_REFUSED)).isEqualTo(4);
    }

    @Test
    void aRefusedSubmissionRecordsWhatWasTypedCleaned() {
      core.submit()
          .submit(
              new Submission(
                  Fixtures.ACME,
                  "pr\u0000od",
                  "root\u001b",
                  Optional.empty(),
                  List.of(),
                  Fixtures.REQUESTER,
                  "x"));

      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.REQUEST_REFUSED)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.details())
                    .containsEntry("cluster", "pr\uFFFDod")
                    .containsEntry("role", "root\uFFFD");
                assertThat(e.customer()).contains(Fixtures.ACME);
              });
    }

    @Test
    void aSubmissionFromNoCustomerIsAuditedToo() {
      var outcome =
          core.submit()
              .submit(
                  new Submission(
                      new CustomerId("nobody"),
                      "prod",
                      "readonly",
                      Optional.empty(),
                      List.of(),
                      Fixtures.REQUESTER,
                      "x"));

      assertThat(outcome).isInstanceOf(SubmitRequest.Result.Refused.class);
      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.REQUEST_REFUSED)
          .singleElement()
          .satisfies(e -> assertThat(e.customer()).isEmpty());
    }

    @Test
    void revokingAPendingRequestAndRefusedExtensionsAreAudited() {
      AccessRequest pending = rig.pending();
      AccessRequest active = rig.active();

      assertThat(core.revoke().revoke(pending.id(), ENGINEER))
          .isInstanceOf(RevokeAccess.Result.Refused.class);
      assertThat(core.extend().extend(active.id(), OTHER_ENGINEER, Duration.ofMinutes(30)))
          .isInstanceOf(ExtendAccess.Result.Refused.class);
      assertThat(core.extend().extend(active.id(), ENGINEER, Duration.ofHours(30)))
          .isInstanceOf(ExtendAccess.Result.Refused.class);

      assertThat(rig.audit.actions(pending.id())).contains(AuditAction.REVOKE_REFUSED);
      assertThat(rig.audit.all())
          .filteredOn(e -> e.action() == AuditAction.EXTENSION_REFUSED)
          .extracting(e -> e.details().get("reason"))
          .containsExactly("NOT_REQUESTER", "DURATION_ABOVE_MAXIMUM");
    }
  }
}
