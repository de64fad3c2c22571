package dev.latchkey.core.grant;

import dev.latchkey.core.Durations;
import dev.latchkey.core.Refusal;
import java.time.Duration;

/**
 * The failure recorded with a request whose grant or extension did not happen: stored with it and
 * in the audit trail, and shown as recorded, like the API server's own error messages it also
 * holds. Answers to people are written by the adapters.
 */
final class GrantFailures {
  private GrantFailures() {}

  static String disabled(Refusal refusal) {
    String cluster = refusal.fact(Refusal.Fact.CLUSTER).orElse("");
    return switch (refusal.reason()) {
      case ROLE_NOT_ENABLED ->
          "Role "
              + refusal.fact(Refusal.Fact.ROLE).orElse("")
              + " is not enabled on "
              + cluster
              + ". Enabled: "
              + refusal.fact(Refusal.Fact.ENABLED_ROLES).orElse("")
              + ".";
      default ->
          "Support access to "
              + cluster
              + " is disabled. A customer admin or approver can turn it on with `/access enable "
              + cluster
              + "`.";
    };
  }

  static String unreachable(Duration giveUp, String error) {
    return "the cluster could not be reached for " + Durations.format(giveUp) + ": " + error;
  }

  static final String ORIGINAL_ENDED = "the access it extends ended first";
  static final String ORIGINAL_ENDED_AUDIT = "original no longer active";
}
