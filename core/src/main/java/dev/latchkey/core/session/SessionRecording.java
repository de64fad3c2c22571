package dev.latchkey.core.session;

import dev.latchkey.core.AccessRequest;
import java.util.Objects;

/**
 * An ended session's recording as stored (asciicast v2), with its size and SHA-256 (hex), checked
 * against the hash its {@code session.ended} event holds.
 *
 * @param request the access request the session belongs to, for the words around the file
 */
public record SessionRecording(
    StreamSession session, SessionEnd end, AccessRequest request, byte[] cast, String sha256) {
  public SessionRecording {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(end, "end");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(cast, "cast");
    Objects.requireNonNull(sha256, "sha256");
  }

  /** The file name a player is given: the session id with asciinema's extension. */
  public String fileName() {
    return session.id().value() + ".cast";
  }

  public long bytes() {
    return cast.length;
  }
}
