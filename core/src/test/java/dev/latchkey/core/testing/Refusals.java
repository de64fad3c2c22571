package dev.latchkey.core.testing;

import dev.latchkey.core.Refusal;
import dev.latchkey.core.access.DisableSupportAccess;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.request.CancelRequest;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.ExtendAccess;
import dev.latchkey.core.request.IssueKubeconfig;
import dev.latchkey.core.request.RevokeAccess;
import dev.latchkey.core.request.SubmitRequest;

/** The refusal a use case's result carries, for assertions; fails when it carries none. */
public final class Refusals {
  private Refusals() {}

  public static Refusal refusal(Object result) {
    return switch (result) {
      case SubmitRequest.Result.Refused r -> r.refusal();
      case DecideRequest.Result.Refused r -> r.refusal();
      case CancelRequest.Result.Refused r -> r.refusal();
      case RevokeAccess.Result.Refused r -> r.refusal();
      case ExtendAccess.Result.Refused r -> r.refusal();
      case IssueKubeconfig.Result.Refused r -> r.refusal();
      case EnableSupportAccess.Result.Refused r -> r.refusal();
      case DisableSupportAccess.Result.Refused r -> r.refusal();
      default -> throw new AssertionError("expected a refusal, got " + result);
    };
  }

  public static Refusal.Reason reason(Object result) {
    return refusal(result).reason();
  }

  /** Whether {@code result} is a refusal, of whichever use case. */
  public static boolean isRefused(Object result) {
    try {
      refusal(result);
      return true;
    } catch (AssertionError e) {
      return false;
    }
  }
}
