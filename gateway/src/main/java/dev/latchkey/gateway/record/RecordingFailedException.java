package dev.latchkey.gateway.record;

/** A recording could not be written (or is full): the session it belongs to must end. */
public final class RecordingFailedException extends RuntimeException {
  private final boolean full;

  public RecordingFailedException(String message, Throwable cause) {
    super(message, cause);
    this.full = false;
  }

  private RecordingFailedException(String message) {
    super(message);
    this.full = true;
  }

  /** The recording reached its size cap. */
  public static RecordingFailedException full(long capBytes) {
    return new RecordingFailedException("the recording reached its cap of " + capBytes + " bytes");
  }

  public boolean full() {
    return full;
  }
}
