package dev.latchkey.core;

import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.port.RequestStore.Update;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one way a request changes: decide against the request as it stands, commit the change with
 * its audit events as one conditional update, and when someone changed it first, decide again
 * against what they left — never overwrite. Two approvers clicking at once, Slack's retries and a
 * click racing a timer all resolve to exactly one outcome this way.
 */
public final class Transition {
  /** A request that keeps changing under this many decisions in a row is a bug, not a race. */
  static final int MAX_RACE_RETRIES = 50;

  private final RequestStore requests;
  private final Notifier notifier;

  public Transition(RequestStore requests, Notifier notifier) {
    this.requests = requests;
    this.notifier = notifier;
  }

  /** What to do with a request as it stands now. */
  public sealed interface Step<T> {
    /** Nothing to commit: the result as things stand. */
    record Stop<T>(T result) implements Step<T> {}

    /**
     * Commit {@code next} with {@code events}; once committed, people hear of it (the last event)
     * if {@code announce}, and {@code then} gives the result from the request as stored.
     */
    record Commit<T>(
        AccessRequest next,
        List<AuditEvent> events,
        boolean announce,
        Function<AccessRequest, T> then)
        implements Step<T> {
      public Commit {
        Objects.requireNonNull(next, "next");
        events = List.copyOf(events);
        Objects.requireNonNull(then, "then");
      }
    }
  }

  /** The request as it stands now. */
  public Optional<AccessRequest> find(RequestId id) {
    return requests.find(id);
  }

  public static <T> Step<T> stop(T result) {
    return new Step.Stop<>(result);
  }

  /** Commit and announce the last event (the card and the people concerned hear of it). */
  public static <T> Step<T> commit(
      AccessRequest next, List<AuditEvent> events, Function<AccessRequest, T> then) {
    return new Step.Commit<>(next, events, !events.isEmpty(), then);
  }

  /** Commit bookkeeping nobody needs to hear of (a retry scheduled, a lease taken). */
  public static <T> Step<T> quietly(
      AccessRequest next, List<AuditEvent> events, Function<AccessRequest, T> then) {
    return new Step.Commit<>(next, events, false, then);
  }

  /**
   * Decides against {@code start} and commits; after a lost race decides again against what won,
   * until {@code decide} stops or a commit lands.
   */
  public <T> T run(AccessRequest start, Function<AccessRequest, Step<T>> decide) {
    AccessRequest current = start;
    for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      switch (decide.apply(current)) {
        case Step.Stop<T> stop -> {
          return stop.result();
        }
        case Step.Commit<T> commit -> {
          switch (requests.update(current, commit.next(), commit.events())) {
            case Update.Applied applied -> {
              if (commit.announce()) {
                notifier.requestChanged(applied.stored(), commit.events().getLast());
              }
              return commit.then().apply(applied.stored());
            }
            case Update.Conflict conflict -> current = conflict.current();
          }
        }
      }
    }
    throw new IllegalStateException("request " + start.id() + " kept changing");
  }

  /**
   * Commits one change without deciding again: the request as stored, or empty when someone changed
   * it first (the timers look at it again next time).
   */
  public Optional<AccessRequest> once(
      AccessRequest current, AccessRequest next, List<AuditEvent> events, boolean announce) {
    if (requests.update(current, next, events) instanceof Update.Applied applied) {
      if (announce && !events.isEmpty()) {
        notifier.requestChanged(applied.stored(), events.getLast());
      }
      return Optional.of(applied.stored());
    }
    return Optional.empty();
  }
}
