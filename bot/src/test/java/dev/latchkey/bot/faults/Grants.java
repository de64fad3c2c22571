package dev.latchkey.bot.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.core.Actor;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.Submission;
import dev.latchkey.core.UseCases;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.Decision;
import dev.latchkey.core.request.SubmitRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Operator access on acme/prod, asked by the vendor's engineer and approved, through the core. */
final class Grants {
  static final ClusterRef PROD = new ClusterRef(new CustomerId("acme"), "prod");
  static final Actor.SlackUser ADMIN =
      new Actor.SlackUser(FakeSlack.CUSTOMER_TEAM, FakeSlack.ADMIN);
  static final String APPROVER_ID = "U0APPROVER1";
  static final Actor.SlackUser APPROVER = new Actor.SlackUser(FakeSlack.CUSTOMER_TEAM, APPROVER_ID);
  static final Actor.SlackUser ENGINEER =
      new Actor.SlackUser(FakeSlack.VENDOR_TEAM, FakeSlack.ENGINEER);

  private Grants() {}

  /** An ACTIVE operator grant for {@code window}, cluster-wide or in {@code namespaces}. */
  static RequestId activeOperator(
      UseCases core, List<String> namespaces, Duration window, String reason) {
    RequestId id =
        ((SubmitRequest.Result.Submitted)
                core.submit()
                    .submit(
                        new Submission(
                            PROD.customer(),
                            PROD.name(),
                            "operator",
                            Optional.of(window),
                            namespaces,
                            new Requester(ENGINEER, Optional.of("alice@vendor.example")),
                            reason)))
            .request()
            .id();
    var decided = core.decide().decide(Decision.click(id, APPROVER, Decision.Verdict.APPROVE));
    assertThat(decided).isInstanceOf(DecideRequest.Result.Approved.class);
    assertThat(((DecideRequest.Result.Approved) decided).request().state())
        .isEqualTo(RequestState.ACTIVE);
    return id;
  }
}
