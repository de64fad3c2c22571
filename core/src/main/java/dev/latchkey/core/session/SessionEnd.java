package dev.latchkey.core.session;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How a gateway session ended: why, when, how much passed, and the recording's size and SHA-256
 * (hex) for recorded kinds; the hash enters the audit chain with {@code session.ended}.
 */
public record SessionEnd(
    Instant endedAt,
    Cause cause,
    long bytesFromClient,
    long bytesFromServer,
    long recordingBytes,
    Optional<String> recordingSha256) {
  public SessionEnd {
    Objects.requireNonNull(endedAt, "endedAt");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(recordingSha256, "recordingSha256");
    recordingSha256.ifPresent(
        sha -> {
          if (!sha.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a hex SHA-256: " + sha);
          }
        });
  }

  /** Why a session ended. */
  public enum Cause {
    /** The client closed it (the command ended, kubectl quit). */
    CLIENT_CLOSED,
    /** The API server or the pod ended it. */
    SERVER_CLOSED,
    /** The grant expired. */
    EXPIRED,
    /** The grant was revoked (by a person, {@code disable --now}, or reconciliation). */
    REVOKED,
    /** The grant is no longer active in the records for another reason (failed, unknown). */
    GRANT_ENDED,
    /** The token the session was opened with reached its own expiry. */
    TOKEN_EXPIRED,
    /** The recording could not be written: nothing passes unrecorded. */
    RECORDING_FAILED,
    /** The recording reached its size cap. */
    RECORDING_FULL,
    /** Latchkey is shutting down. */
    GATEWAY_STOPPING,
    /** The connection failed (I/O error, protocol error). */
    FAILED
  }
}
