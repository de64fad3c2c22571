package dev.latchkey.storage;

/**
 * The database could not do what was asked: unreachable, a statement failed, or a stored row cannot
 * be read. Messages say what was being done and why, and never contain credentials.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
