package dev.latchkey.core.request;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.ClusterSettings;
import dev.latchkey.core.Customer;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.Submission;
import dev.latchkey.core.audit.AuditEvents;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.rules.SubmissionRules;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/** A support engineer asks for a role on a cluster: a new PENDING request, or why not (audited). */
public final class SubmitRequest {
  private final ClusterSettings settings;
  private final RequestStore requests;
  private final AuditLog audit;
  private final Notifier notifier;
  private final Clock clock;
  private final RandomGenerator random;

  public SubmitRequest(
      ClusterSettings settings,
      RequestStore requests,
      AuditLog audit,
      Notifier notifier,
      Clock clock,
      RandomGenerator random) {
    this.settings = settings;
    this.requests = requests;
    this.audit = audit;
    this.notifier = notifier;
    this.clock = clock;
    this.random = random;
  }

  public Result submit(Submission s) {
    Instant now = clock.instant();
    Optional<Customer> customer = settings.customer(s.customer());
    SubmissionRules.Checked checked =
        customer.isEmpty()
            ? new SubmissionRules.Checked.Invalid(Refusal.of(Refusal.Reason.UNKNOWN_CUSTOMER))
            : SubmissionRules.check(customer.get(), s, settings::enablement);
    return switch (checked) {
      case SubmissionRules.Checked.Invalid invalid -> {
        audit.append(
            AuditEvents.submissionRefused(now, s, customer.map(Customer::id), invalid.refusal()));
        yield new Result.Refused(invalid.refusal());
      }
      case SubmissionRules.Checked.Valid valid -> {
        SubmissionRules.Accepted a = valid.accepted();
        AccessRequest request =
            AccessRequest.submitted(
                RequestId.random(random),
                RequestKind.ACCESS,
                Optional.empty(),
                a.policy().cluster(),
                a.role().name(),
                a.scope(),
                a.policy().credentials(),
                s.requester(),
                a.reason(),
                a.duration(),
                now,
                a.policy().pendingTtl(),
                a.role().approvalsRequired());
        var event = AuditEvents.submitted(request, now);
        requests.insert(request, List.of(event));
        notifier.requestChanged(request, event);
        yield new Result.Submitted(request);
      }
    };
  }

  /** What a submission gave. */
  public sealed interface Result {
    record Submitted(AccessRequest request) implements Result {}

    record Refused(Refusal refusal) implements Result {}
  }
}
