package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static dev.latchkey.storage.TestData.event;
import static dev.latchkey.storage.TestData.id;
import static dev.latchkey.storage.TestData.inState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.AccessRequest;
import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.AuditAction;
import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CredentialMode;
import dev.latchkey.core.CustomerId;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.RequestKind;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.Requester;
import dev.latchkey.core.Scope;
import dev.latchkey.core.StoredAuditEvent;
import dev.latchkey.core.port.AuditLog.ChainCheck;
import dev.latchkey.core.port.CardStore;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.RequestStore.Update;
import dev.latchkey.core.session.GrantStanding;
import dev.latchkey.core.testing.Fixtures;
import dev.latchkey.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RequestStoreTest extends EngineTest {
  final MutableClock clock = new MutableClock(T0);
  Database db;
  RequestStore store;

  @BeforeEach
  void open() {
    db = engine.open(clock);
    store = db.requests();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void everyStateKindAndScopeRoundTripsExactly() {
    List<AccessRequest> written = new ArrayList<>();
    int n = 0;
    for (RequestState state : RequestState.values()) {
      for (Scope scope :
          List.of(Scope.CLUSTER, new Scope.Namespaces(List.of("web", "db", "kube-system")))) {
        AccessRequest r = inState(state, id(++n), T0.plusNanos(n), scope);
        store.insert(r, List.of());
        written.add(r);
      }
    }
    for (AccessRequest r : written) {
      assertThat(store.find(r.id())).contains(r);
    }
    assertThat(store.find(id(999))).isEmpty();
  }

  @Test
  void everyOptionalFieldRoundTripsPresentAndEmpty() {
    RequestId original = id(1);
    AccessRequest full =
        new AccessRequest(
            id(2),
            RequestKind.EXTENSION,
            Optional.of(original),
            new ClusterRef(Fixtures.ACME, "staging"),
            "operator",
            new Scope.Namespaces(List.of("web")),
            CredentialMode.EXTERNAL,
            new Requester(Fixtures.OTHER_ENGINEER, Optional.of("bob@vendor.example")),
            "reason with \"quotes\", <angle> & ümlauts ✓",
            Duration.ofMinutes(90).plusNanos(7),
            T0,
            T0.plus(Duration.ofHours(2)),
            2,
            List.of(
                new Approval(Fixtures.APPROVER, T0.plusNanos(1), DecisionMethod.BUTTON),
                new Approval(Fixtures.APPROVER_2, T0.plusNanos(2), DecisionMethod.THREAD_REPLY)),
            RequestState.FAILED,
            Optional.of(T0.plusNanos(3)),
            Optional.of(Fixtures.APPROVER_2),
            Optional.of(T0.plusNanos(4)),
            Optional.of(T0.plusNanos(5)),
            Optional.of(T0.plusNanos(6)),
            Optional.of(Actor.CLUSTER),
            Optional.of("the access it extends ended first"),
            true,
            7,
            Optional.of(T0.plusNanos(8)),
            true,
            0);
    AccessRequest sparse =
        new AccessRequest(
            id(3),
            RequestKind.ACCESS,
            Optional.empty(),
            Fixtures.PROD,
            "admin",
            Scope.CLUSTER,
            CredentialMode.TOKEN,
            new Requester(Fixtures.ENGINEER, Optional.empty()),
            "r",
            Duration.ofSeconds(600),
            T0,
            T0.plusSeconds(1),
            1,
            List.of(),
            RequestState.PENDING,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            false,
            0,
            Optional.empty(),
            false,
            0);
    store.insert(full, List.of());
    store.insert(sparse, List.of());

    assertThat(store.find(full.id())).contains(full);
    assertThat(store.find(sparse.id())).contains(sparse);
  }

  /** The gateway asks about every grant with an open session at once, in chunks of ids. */
  @Test
  void findAllReadsEveryExistingRequestOfManyIdsAcrossChunksAndSkipsUnknownOnes() {
    List<AccessRequest> written = new ArrayList<>();
    for (int n = 1; n <= 5; n++) {
      AccessRequest r = inState(RequestState.ACTIVE, id(n), T0.plusNanos(n), Scope.CLUSTER);
      store.insert(r, List.of());
      written.add(r);
    }
    List<RequestId> asked = new ArrayList<>();
    asked.add(id(6)); // unknown
    for (AccessRequest r : written.reversed()) {
      asked.add(r.id());
    }
    asked.add(id(1)); // named twice
    asked.add(id(7)); // unknown
    RequestStore inTwos = readingInChunksOf(2);

    assertThat(inTwos.findAll(asked)).containsExactlyInAnyOrderElementsOf(written);
    assertThat(store.findAll(asked)).containsExactlyInAnyOrderElementsOf(written);
    assertThat(store.findAll(List.of(id(5), id(8)))).containsExactly(written.getLast());
    assertThat(store.findAll(List.of())).isEmpty();
  }

  /** The gateway's narrow read says of every request what the whole record says. */
  @Test
  void theStandingOfARequestIsWhatItsWholeRecordSaysInEveryState() {
    List<AccessRequest> written = new ArrayList<>();
    int n = 0;
    for (RequestState state : RequestState.values()) {
      AccessRequest r = inState(state, id(++n), T0.plusNanos(n), Scope.CLUSTER);
      store.insert(r, List.of());
      written.add(r);
    }
    RequestStore inTwos = readingInChunksOf(2);
    List<RequestId> asked = new ArrayList<>(written.stream().map(AccessRequest::id).toList());
    asked.add(id(99)); // unknown

    for (AccessRequest r : written) {
      assertThat(store.standing(r.id())).as("%s", r.state()).contains(GrantStanding.of(r));
    }
    assertThat(store.standing(id(99))).isEmpty();
    assertThat(inTwos.standings(asked))
        .containsExactlyInAnyOrderElementsOf(written.stream().map(GrantStanding::of).toList());
    assertThat(store.standings(List.of())).isEmpty();
  }

  /** The same database, read through a store that asks for {@code chunk} ids at a time. */
  private RequestStore readingInChunksOf(int chunk) {
    return new JdbiRequestStore(
        new Sql(Jdbi.create(H2Urls.prepare(engine.url()), engine.user(), engine.password())),
        new AuditChain(() -> {}),
        clock,
        Standings.NONE,
        chunk);
  }

  @Test
  void updateIsConditionalOnVersionAndStateAndTheLoserGetsTheWinningRow() {
    AccessRequest pending = TestData.pending(id(1), T0);
    store.insert(pending, List.of(event(pending, AuditAction.REQUEST_SUBMITTED, T0)));
    AccessRequest approvedNext = inState(RequestState.APPROVED, id(1), T0, Scope.CLUSTER);
    AccessRequest deniedNext = inState(RequestState.DENIED, id(1), T0, Scope.CLUSTER);

    Update first =
        store.update(
            pending, approvedNext, List.of(event(pending, AuditAction.REQUEST_APPROVED, T0)));
    Update second =
        store.update(pending, deniedNext, List.of(event(pending, AuditAction.REQUEST_DENIED, T0)));

    AccessRequest winner = approvedNext.withVersion(1);
    assertThat(first).isEqualTo(new Update.Applied(winner));
    assertThat(second).isEqualTo(new Update.Conflict(winner));
    assertThat(store.find(id(1))).contains(winner);
    assertThat(actions(id(1)))
        .containsExactly(AuditAction.REQUEST_SUBMITTED, AuditAction.REQUEST_APPROVED);

    // Right version, wrong state: still a conflict.
    AccessRequest sameVersionOtherState = pending.withVersion(1);
    assertThat(store.update(sameVersionOtherState, deniedNext, List.of()))
        .isEqualTo(new Update.Conflict(winner));

    // The next change builds on the stored version.
    AccessRequest active = winner.withState(RequestState.ACTIVE).withGrantedAt(T0.plusSeconds(2));
    assertThat(store.update(winner, active, List.of()))
        .isEqualTo(new Update.Applied(active.withVersion(2)));
    assertThat(store.find(id(1))).contains(active.withVersion(2));
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(2));
  }

  @Test
  void updateAllAppliesEachChangeOnItsOwnConditionInOneTransaction() {
    AccessRequest a = TestData.pending(id(1), T0);
    AccessRequest b = TestData.pending(id(2), T0);
    store.insert(a, List.of(event(a, AuditAction.REQUEST_SUBMITTED, T0)));
    store.insert(b, List.of(event(b, AuditAction.REQUEST_SUBMITTED, T0)));
    AccessRequest bMovedOn = inState(RequestState.DENIED, id(2), T0, Scope.CLUSTER);
    store.update(b, bMovedOn, List.of(event(b, AuditAction.REQUEST_DENIED, T0)));
    AccessRequest aTimedOut =
        a.withState(RequestState.TIMED_OUT)
            .withEnd(T0.plusSeconds(7200), dev.latchkey.core.Actor.SYSTEM);
    AccessRequest bTimedOut =
        b.withState(RequestState.TIMED_OUT)
            .withEnd(T0.plusSeconds(7200), dev.latchkey.core.Actor.SYSTEM);

    List<Update> results =
        store.updateAll(
            List.of(
                new RequestStore.Change(
                    a, aTimedOut, List.of(event(a, AuditAction.REQUEST_TIMED_OUT, T0))),
                new RequestStore.Change(
                    b, bTimedOut, List.of(event(b, AuditAction.REQUEST_TIMED_OUT, T0)))));

    assertThat(results)
        .containsExactly(
            new Update.Applied(aTimedOut.withVersion(1)),
            new Update.Conflict(bMovedOn.withVersion(1)));
    assertThat(store.find(id(1))).contains(aTimedOut.withVersion(1));
    assertThat(actions(id(1)))
        .containsExactly(AuditAction.REQUEST_SUBMITTED, AuditAction.REQUEST_TIMED_OUT);
    assertThat(actions(id(2)))
        .as("no event for the change that lost")
        .containsExactly(AuditAction.REQUEST_SUBMITTED, AuditAction.REQUEST_DENIED);
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(4));
  }

  @Test
  void anUpdateCannotChangeTheId() {
    AccessRequest r = TestData.pending(id(1), T0);
    store.insert(r, List.of());
    assertThatThrownBy(() -> store.update(r, TestData.pending(id(2), T0), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void insertAndItsEventsAreOneTransaction() throws Exception {
    AccessRequest first = TestData.pending(id(1), T0);
    store.insert(first, List.of(event(first, AuditAction.REQUEST_SUBMITTED, T0)));
    // A row in the way of the next audit sequence makes the next append fail.
    engine.execute(
        "INSERT INTO audit_events SELECT seq + 1, at, actor, customer, request_id, action, "
            + "result, details, prev_hash, hash FROM audit_events WHERE seq = 1");

    AccessRequest second = TestData.pending(id(2), T0);
    assertThatThrownBy(
            () -> store.insert(second, List.of(event(second, AuditAction.REQUEST_SUBMITTED, T0))))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("could not store request " + second.id());
    assertThat(store.find(second.id())).isEmpty();

    AccessRequest next = first.withState(RequestState.CANCELLED).withEnd(T0, Fixtures.ENGINEER);
    assertThatThrownBy(
            () ->
                store.update(first, next, List.of(event(first, AuditAction.REQUEST_CANCELLED, T0))))
        .isInstanceOf(StoreException.class);
    assertThat(store.find(first.id())).contains(first);
  }

  @Test
  void aSecondInsertOfTheSameIdIsRefusedAndWritesNoEvents() {
    AccessRequest r = TestData.pending(id(1), T0);
    store.insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0)));

    assertThatThrownBy(() -> store.insert(r, List.of(event(r, AuditAction.REQUEST_SUBMITTED, T0))))
        .isInstanceOf(StoreException.class)
        .hasMessage("request " + r.id() + " already exists");
    assertThat(db.audit().forRequest(r.id())).hasSize(1);
  }

  @Test
  void queriesFindOpenHoldingExtensionsAndPendingRevocations() {
    ClusterRef otherCustomersProd = new ClusterRef(new CustomerId("globex"), "prod");
    int n = 0;
    List<AccessRequest> all = new ArrayList<>();
    for (RequestState state : RequestState.values()) {
      AccessRequest r = inState(state, id(++n), T0.plusSeconds(100 - n), Scope.CLUSTER);
      all.add(r);
      store.insert(r, List.of());
    }
    AccessRequest staging = inState(RequestState.ACTIVE, id(++n), T0, Scope.CLUSTER);
    staging =
        new AccessRequest(
            staging.id(),
            staging.kind(),
            staging.extendsRequest(),
            Fixtures.STAGING,
            staging.role(),
            staging.scope(),
            staging.credentials(),
            staging.requester(),
            staging.reason(),
            staging.duration(),
            staging.createdAt(),
            staging.pendingExpiresAt(),
            staging.approvalsRequired(),
            staging.approvals(),
            staging.state(),
            staging.decidedAt(),
            staging.decidedBy(),
            staging.grantedAt(),
            staging.expiresAt(),
            staging.endedAt(),
            staging.endedBy(),
            staging.failure(),
            staging.grantPresent(),
            staging.attempts(),
            staging.nextAttemptAt(),
            staging.reminderSent(),
            0);
    store.insert(staging, List.of());
    AccessRequest foreign = TestData.pending(id(++n), T0, otherCustomersProd, Scope.CLUSTER);
    store.insert(foreign, List.of());
    RequestId original = all.get(RequestState.ACTIVE.ordinal()).id();
    AccessRequest extension =
        AccessRequest.submitted(
            id(++n),
            RequestKind.EXTENSION,
            Optional.of(original),
            Fixtures.PROD,
            "readonly",
            Scope.CLUSTER,
            CredentialMode.TOKEN,
            Fixtures.REQUESTER,
            "more",
            Duration.ofHours(1),
            T0.plusSeconds(500),
            Duration.ofHours(1),
            1);
    store.insert(extension, List.of());
    AccessRequest deniedExtension =
        AccessRequest.submitted(
                id(++n),
                RequestKind.EXTENSION,
                Optional.of(original),
                Fixtures.PROD,
                "readonly",
                Scope.CLUSTER,
                CredentialMode.TOKEN,
                Fixtures.REQUESTER,
                "more",
                Duration.ofHours(1),
                T0.plusSeconds(400),
                Duration.ofHours(1),
                1)
            .withState(RequestState.DENIED);
    store.insert(deniedExtension, List.of());

    // Oldest first: ids were created newest first above.
    assertThat(store.findOpen(Fixtures.ACME))
        .extracting(AccessRequest::id)
        .containsExactly(
            staging.id(), all.get(2).id(), all.get(1).id(), all.get(0).id(), extension.id());
    assertThat(store.findOpen(otherCustomersProd.customer())).containsExactly(foreign);
    assertThat(store.findHoldingAccess(Fixtures.PROD))
        .extracting(AccessRequest::state)
        .containsExactlyInAnyOrder(RequestState.APPROVED, RequestState.ACTIVE);
    assertThat(store.findHoldingAccess(Fixtures.STAGING)).containsExactly(staging);
    assertThat(store.findHoldingAccess(otherCustomersProd)).isEmpty();
    assertThat(store.findPendingExtensions(original)).containsExactly(extension);
    assertThat(store.findPendingExtensions(extension.id())).isEmpty();
    assertThat(store.findRevocationsPending())
        .extracting(AccessRequest::state)
        .containsExactlyInAnyOrder(RequestState.REVOKED, RequestState.FAILED);
    assertThat(store.findRevocationsPending()).allMatch(AccessRequest::revocationPending);
  }

  /**
   * PostgreSQL refuses U+0000 in text and H2 stores it: refused before the database, on both,
   * naming the field.
   */
  @Test
  void anAppliedExtensionIsNeitherOpenNorHoldingAccessAndLeavesWithItsOriginal() {
    AccessRequest original = inState(RequestState.ACTIVE, id(1), T0, Scope.CLUSTER);
    store.insert(original, List.of());
    AccessRequest extension =
        extensionOf(original.id(), id(2), T0.plusSeconds(60))
            .withState(RequestState.APPROVED)
            .withDecision(T0.plusSeconds(70), Fixtures.APPROVER)
            .withExpiresAt(original.expiresAt().orElseThrow().plus(Duration.ofHours(1)));
    store.insert(extension, List.of());
    // Approved but not yet applied: still in play, though it holds no access of its own.
    assertThat(store.findOpen(Fixtures.ACME))
        .extracting(AccessRequest::id)
        .containsExactly(original.id(), extension.id());
    assertThat(store.findHoldingAccess(Fixtures.PROD))
        .extracting(AccessRequest::id)
        .containsExactly(original.id());

    // Applied: it stays APPROVED for good, and is settled.
    AccessRequest applied = extension.withGrantedAt(T0.plusSeconds(71));
    store.update(extension, applied, List.of());
    assertThat(store.find(extension.id()).orElseThrow().state()).isEqualTo(RequestState.APPROVED);
    assertThat(store.findOpen(Fixtures.ACME))
        .extracting(AccessRequest::id)
        .containsExactly(original.id());

    // The original revoked: nothing is left to list or count.
    store.update(
        original,
        original.withState(RequestState.REVOKED).withEnd(T0.plusSeconds(80), Fixtures.ENGINEER),
        List.of());
    assertThat(store.findOpen(Fixtures.ACME)).isEmpty();
    assertThat(store.findHoldingAccess(Fixtures.PROD)).isEmpty();
  }

  private static AccessRequest extensionOf(RequestId original, RequestId id, Instant at) {
    return AccessRequest.submitted(
        id,
        RequestKind.EXTENSION,
        Optional.of(original),
        Fixtures.PROD,
        "readonly",
        Scope.CLUSTER,
        CredentialMode.TOKEN,
        Fixtures.REQUESTER,
        "more",
        Duration.ofHours(1),
        at,
        Duration.ofHours(1),
        1);
  }

  @Test
  void textHoldingANulNeverReachesTheDatabase() throws Exception {
    AccessRequest withNul =
        AccessRequest.submitted(
            id(1),
            RequestKind.ACCESS,
            Optional.empty(),
            Fixtures.PROD,
            "readonly",
            Scope.CLUSTER,
            CredentialMode.TOKEN,
            Fixtures.REQUESTER,
            "INC-1\u0000 pods",
            Duration.ofHours(1),
            T0,
            Duration.ofHours(2),
            1);

    assertThatThrownBy(
            () -> store.insert(withNul, List.of(event(withNul, AuditAction.REQUEST_SUBMITTED, T0))))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "could not store request "
                + withNul.id()
                + ": reason contains a NUL character (U+0000) at "
                + "index 5, which the database cannot store");
    assertThat(store.find(withNul.id())).isEmpty();

    AccessRequest pending = TestData.pending(id(2), T0);
    store.insert(pending, List.of(event(pending, AuditAction.REQUEST_SUBMITTED, T0)));
    AccessRequest failed =
        pending.withState(RequestState.FAILED).withFailure("API server said \u0000");
    assertThatThrownBy(
            () ->
                store.update(
                    pending, failed, List.of(event(pending, AuditAction.GRANT_FAILED, T0))))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(": failure contains a NUL character (U+0000) at index 16");
    assertThat(store.find(pending.id())).contains(pending);
    assertThat(actions(pending.id())).containsExactly(AuditAction.REQUEST_SUBMITTED);

    assertThatThrownBy(
            () -> db.cards().save(pending.id(), new CardStore.CardRef("C0SHARED", "1.2\u0000")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(": ts contains a NUL character");
    assertThat(db.cards().findByMessage("C0SHARED", "1.2\u0000")).isEmpty();
    assertThat(db.audit().verify()).isEqualTo(new ChainCheck.Intact(1));
  }

  /** Any other text bound anywhere is refused too, so no path can pass a NUL to PostgreSQL. */
  @Test
  void noStatementBindsTextHoldingANul() {
    Sql sql = new Sql(Jdbi.create(H2Urls.prepare(engine.url()), engine.user(), engine.password()));

    assertThatThrownBy(
            () ->
                sql.withHandle(
                    "read a value",
                    h ->
                        h.createQuery("SELECT COUNT(*) FROM requests WHERE reason = :reason")
                            .bind("reason", "a\u0000b")
                            .mapTo(Long.class)
                            .one()))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("could not read a value: ")
        .hasMessageContaining("a text value contains a NUL character (U+0000) at index 1");
  }

  private List<AuditAction> actions(RequestId id) {
    return db.audit().forRequest(id).stream()
        .map(StoredAuditEvent::event)
        .map(e -> e.action())
        .toList();
  }
}
