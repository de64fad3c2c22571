package dev.latchkey.core;

/**
 * What a use case on a request did. Expected refusals are values, never exceptions; each use case
 * documents which of these it returns.
 */
public sealed interface Outcome {

  record Submitted(AccessRequest request) implements Outcome {}

  /**
   * Approved by enough distinct approvers; {@code request} is as it stands after the grant attempt.
   */
  record Approved(AccessRequest request) implements Outcome {}

  record AwaitingMoreApprovals(AccessRequest request, int given, int required) implements Outcome {}

  record Denied(AccessRequest request) implements Outcome {}

  record Cancelled(AccessRequest request) implements Outcome {}

  record Revoked(AccessRequest request) implements Outcome {}

  /** An extension request was created and waits for approval. */
  record ExtensionRequested(AccessRequest extension, AccessRequest original) implements Outcome {}

  record Refused(Refusal refusal) implements Outcome {
    public Refused(Refusal.Reason reason, String message) {
      this(new Refusal(reason, message));
    }
  }

  /** Someone or something decided first; the request is returned as it now stands. */
  record AlreadyDecided(AccessRequest request) implements Outcome {}

  record NotFound(String typedId) implements Outcome {}
}
