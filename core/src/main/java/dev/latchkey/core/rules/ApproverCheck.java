package dev.latchkey.core.rules;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Customer;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.Customers;
import dev.latchkey.core.Refusal;
import dev.latchkey.core.port.ApproverDirectory;
import java.util.Optional;

/**
 * Who holds a customer's approver role: a user of the customer's own workspace, listed by id or a
 * member of its approver group (asked of Slack's directory, cached there). Checked on every
 * decision, whatever the UI showed. Admins (listed) may also switch support access.
 */
public final class ApproverCheck {
  private final Customers customers;
  private final ApproverDirectory directory;

  public ApproverCheck(Customers customers, ApproverDirectory directory) {
    this.customers = customers;
    this.directory = directory;
  }

  /** Whether {@code user} holds the approver role of this customer. */
  public Optional<Refusal> approver(CustomerId customerId, Actor.SlackUser user) {
    Optional<Customer> found = customers.find(customerId);
    if (found.isEmpty()) {
      return Optional.of(Refusal.of(Refusal.Reason.NOT_APPROVER));
    }
    Customer customer = found.get();
    if (!customer.isOwnWorkspace(user)) {
      return Optional.of(Refusal.of(Refusal.Reason.FOREIGN_WORKSPACE));
    }
    if (customer.approverUserIds().contains(user.userId())) {
      return Optional.empty();
    }
    if (customer.approverGroupId().isPresent()) {
      switch (directory.membership(customer.approverGroupId().get(), user)) {
        case MEMBER -> {
          return Optional.empty();
        }
        case UNKNOWN -> {
          return Optional.of(Refusal.of(Refusal.Reason.APPROVER_UNVERIFIED));
        }
        case NOT_MEMBER -> {}
      }
    }
    return Optional.of(Refusal.of(Refusal.Reason.NOT_APPROVER));
  }

  /**
   * Whether {@code user} may decide this request: an approver, and never its requester — nor a
   * second Slack account of the same person (the same verified email).
   */
  public Optional<Refusal> decider(AccessRequest r, Actor.SlackUser user) {
    if (r.requester().isSamePerson(user)) {
      return Optional.of(Refusal.of(Refusal.Reason.SELF_APPROVAL));
    }
    return approver(r.cluster().customer(), user);
  }

  /**
   * Whether {@code user} may switch support access: a listed admin of the customer's workspace, or
   * an approver. Slack not answering is said as such: "not allowed" would send an admin looking for
   * a missing permission.
   */
  public Optional<Refusal> admin(CustomerId customerId, Actor.SlackUser user) {
    Optional<Customer> customer = customers.find(customerId);
    if (customer.isPresent()
        && customer.get().isOwnWorkspace(user)
        && customer.get().adminUserIds().contains(user.userId())) {
      return Optional.empty();
    }
    return approver(customerId, user)
        .map(
            r ->
                r.reason() == Refusal.Reason.APPROVER_UNVERIFIED
                    ? r
                    : Refusal.of(Refusal.Reason.NOT_ALLOWED));
  }
}
