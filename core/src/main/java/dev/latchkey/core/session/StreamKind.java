package dev.latchkey.core.session;

/**
 * The upgraded streams the gateway carries; exec and attach are recorded keystroke by keystroke.
 */
public enum StreamKind {
  EXEC,
  ATTACH,
  PORT_FORWARD;

  /** Whether the stream is a terminal whose input and output are recorded (asciicast). */
  public boolean recorded() {
    return this != PORT_FORWARD;
  }
}
