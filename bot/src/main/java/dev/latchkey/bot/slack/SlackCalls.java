package dev.latchkey.bot.slack;

import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import dev.latchkey.core.Backoff;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one Slack Web API call fails and is tried again, for every method {@link SlackApi} offers:
 * Slack's answers, HTTP statuses and I/O errors become a {@link SlackCallException} saying whether
 * a retry may help; {@linkplain SlackApi.Pacing#INTERACTIVE interactive} calls then wait in place
 * (Retry-After, or a short backoff), {@linkplain SlackApi.Pacing#BACKGROUND background} calls hand
 * the failure back at once. Every failed attempt is reported to the {@link
 * SlackApi.FailureListener}.
 */
final class SlackCalls {
  private static final Logger log = LoggerFactory.getLogger(SlackCalls.class);

  static final int MAX_RATE_LIMIT_WAITS = 3;

  /** Between the tries of an interactive call: short, someone waits for the answer. */
  static final Backoff BACKOFF = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(4));

  private static final Set<String> TRANSIENT_ERRORS =
      Set.of(
          "ratelimited",
          "rate_limited",
          "internal_error",
          "fatal_error",
          "service_unavailable",
          "request_timeout",
          "team_added_to_org");

  private final SlackApi.Sleeper sleeper;
  private final SlackApi.Pacing pacing;
  private final SlackApi.FailureListener failures;

  SlackCalls(SlackApi.Sleeper sleeper, SlackApi.Pacing pacing, SlackApi.FailureListener failures) {
    this.sleeper = sleeper;
    this.pacing = pacing;
    this.failures = failures;
  }

  SlackCalls withPacing(SlackApi.Pacing pacing) {
    return new SlackCalls(sleeper, pacing, failures);
  }

  SlackCalls withFailureListener(SlackApi.FailureListener listener) {
    return new SlackCalls(sleeper, pacing, listener);
  }

  SlackApi.Pacing pacing() {
    return pacing;
  }

  <T extends SlackApiTextResponse> T call(String method, SlackApi.ApiCall<T> apiCall)
      throws SlackCallException {
    int failures = 0;
    int waits = 0;
    Duration waited = Duration.ZERO;
    while (true) {
      SlackCallException failure;
      try {
        T response = apiCall.run();
        if (response.isOk()) {
          return response;
        }
        String error = response.getError() == null ? "unknown_error" : response.getError();
        failure =
            new SlackCallException(
                method, error, TRANSIENT_ERRORS.contains(error), Optional.empty());
      } catch (SlackApiException e) {
        int code = e.getResponse() == null ? 0 : e.getResponse().code();
        Optional<Duration> retryAfter = code == 429 ? retryAfter(e) : Optional.empty();
        String error =
            e.getError() != null && e.getError().getError() != null
                ? e.getError().getError()
                : "http_" + code;
        failure =
            new SlackCallException(
                method, error, code == 429 || code >= 500 || code == 408, retryAfter);
      } catch (InterruptedIOException e) {
        failure = new SlackCallException(method, "timeout", true, Optional.empty());
      } catch (IOException e) {
        failure =
            new SlackCallException(
                method, "io: " + e.getClass().getSimpleName(), true, Optional.empty());
      } catch (RuntimeException e) {
        // e.g. an unparsable answer from a proxy in front of Slack
        failure =
            new SlackCallException(
                method, "bad_response: " + e.getClass().getSimpleName(), true, Optional.empty());
      }
      report(failure);
      if (!failure.retryable() || pacing == SlackApi.Pacing.BACKGROUND) {
        throw failure;
      }
      if (failure.retryAfter().isPresent()) {
        Duration wait = failure.retryAfter().get();
        waited = waited.plus(wait);
        if (waited.compareTo(SlackApi.MAX_INLINE_WAIT) > 0 || ++waits > MAX_RATE_LIMIT_WAITS) {
          throw failure;
        }
        log.info("Slack rate-limited {}; retrying after {} s", method, wait.toSeconds());
        pause(wait, method);
        continue;
      }
      if (++failures >= SlackApi.ATTEMPTS) {
        throw failure;
      }
      log.info(
          "Slack {} failed ({}); retry {} of {}",
          method,
          failure.error(),
          failures,
          SlackApi.ATTEMPTS - 1);
      pause(BACKOFF.after(failures), method);
    }
  }

  /**
   * Tells the listener, with the error reduced to a bounded set of values (no exception class
   * names).
   */
  void report(SlackCallException failure) {
    String error = failure.error();
    int colon = error.indexOf(':');
    try {
      failures.failed(failure.method(), colon < 0 ? error : error.substring(0, colon));
    } catch (RuntimeException e) {
      log.debug("failure listener failed: {}", e.toString());
    }
  }

  private static Optional<Duration> retryAfter(SlackApiException e) {
    String header = e.getResponse().header("Retry-After");
    long seconds = 1;
    if (header != null) {
      try {
        seconds = Math.max(0, Long.parseLong(header.strip()));
      } catch (NumberFormatException ignored) {
        seconds = 1;
      }
    }
    return Optional.of(Duration.ofSeconds(seconds));
  }

  void pause(Duration wait, String method) throws SlackCallException {
    try {
      sleeper.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SlackCallException(method, "interrupted", true, Optional.empty());
    }
  }
}
