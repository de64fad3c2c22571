package dev.latchkey.bot.faults;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.AuditEvent;
import dev.latchkey.core.AuditResult;
import dev.latchkey.core.ClusterPolicy;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.Scope;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.storage.Database;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A process that writes to Latchkey's database the way Latchkey does and is then killed: it submits
 * request {@code args[1]} in database {@code args[0]}, waits {@code args[2]} milliseconds, approves
 * it, prints {@code committed <id>} once the approval's transaction has returned, and waits to be
 * killed.
 */
public final class ChildCommitter {
  static final String COMMITTED = "committed ";

  private ChildCommitter() {}

  public static void main(String[] args) throws Exception {
    RequestId id = new RequestId(args[1]);
    long pause = Long.parseLong(args[2]);
    Database db = Database.builder(args[0]).credentials("", "").sinks(List.of()).open();
    RequestStore requests = db.requests();
    Actor.SlackUser engineer = new Actor.SlackUser("T0VENDOR", "U0ENGINEER");
    Actor.SlackUser approver = new Actor.SlackUser("T0CUSTOMER", "U0APPROVER1");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    AccessRequest pending =
        AccessRequest.submitted(
            id,
            RequestKind.ACCESS,
            Optional.empty(),
            new ClusterRef(new CustomerId("acme"), "prod"),
            "readonly",
            Scope.CLUSTER,
            CredentialMode.TOKEN,
            new Requester(engineer, Optional.empty()),
            "INC-1 durability",
            Duration.ofHours(1),
            now,
            ClusterPolicy.DEFAULT_PENDING_TTL,
            1);
    requests.insert(
        pending,
        List.of(
            AuditEvent.about(
                pending, now, engineer, AuditAction.REQUEST_SUBMITTED, AuditResult.OK, Map.of())));
    Thread.sleep(pause);
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    AccessRequest approved =
        pending
            .withApprovals(List.of(new Approval(approver, at, DecisionMethod.BUTTON)))
            .withState(RequestState.APPROVED)
            .withDecision(at, approver)
            .withExpiresAt(at.plus(pending.duration()))
            .withGrantPresent(true)
            .withRetry(0, Optional.of(at));
    RequestStore.Update update =
        requests.update(
            pending,
            approved,
            List.of(
                AuditEvent.about(
                    pending,
                    at,
                    approver,
                    AuditAction.REQUEST_APPROVED,
                    AuditResult.OK,
                    Map.of())));
    if (!(update instanceof RequestStore.Update.Applied)) {
      throw new IllegalStateException("approval not applied: " + update);
    }
    System.out.println(COMMITTED + id);
    System.out.flush();
    Thread.sleep(60_000);
  }
}
