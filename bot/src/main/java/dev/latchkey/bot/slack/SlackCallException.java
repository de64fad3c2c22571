package dev.latchkey.bot.slack;

import java.time.Duration;
import java.util.Optional;

/**
 * A Slack Web API call that did not succeed. {@code retryable} failures (rate limits, 5xx,
 * timeouts, Slack's own internal errors) are worth trying again later; the others (e.g. {@code
 * channel_not_found}) are not.
 */
public final class SlackCallException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String method;
  private final String error;
  private final boolean retryable;
  private final transient Optional<Duration> retryAfter;

  public SlackCallException(
      String method, String error, boolean retryable, Optional<Duration> retryAfter) {
    super(method + " failed: " + error + (retryable ? " (will retry)" : ""));
    this.method = method;
    this.error = error;
    this.retryable = retryable;
    this.retryAfter = retryAfter;
  }

  public String method() {
    return method;
  }

  /**
   * Slack's error code ({@code channel_not_found}, {@code ratelimited}, {@code http_503}, {@code
   * io}...).
   */
  public String error() {
    return error;
  }

  public boolean retryable() {
    return retryable;
  }

  /** Whether Slack refused the call for its rate limit: it was not carried out. */
  public boolean rateLimited() {
    return retryAfter().isPresent()
        || "ratelimited".equals(error)
        || "rate_limited".equals(error)
        || "http_429".equals(error);
  }

  /**
   * Whether the call may have been carried out although it failed: a timeout, a dropped connection
   * or a server error can come after Slack acted. Rate limits and Slack's own error answers (e.g.
   * {@code channel_not_found}) mean it was not.
   */
  public boolean outcomeUnknown() {
    return retryable && !rateLimited();
  }

  /** What Slack asked for in Retry-After, when it did. */
  public Optional<Duration> retryAfter() {
    return retryAfter == null ? Optional.empty() : retryAfter;
  }
}
