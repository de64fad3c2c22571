package dev.latchkey.bot.ops;

import dev.latchkey.bot.slack.SlackApi;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts failed Slack Web API calls: {@code latchkey_slack_errors_total{method,error}}, one per
 * failed attempt (a 429, a 5xx, a timeout, or Slack's own error such as {@code channel_not_found}),
 * whether or not a retry then succeeded.
 */
public final class SlackApiMetrics implements SlackApi.FailureListener {
  private final MeterRegistry registry;

  public SlackApiMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void failed(String method, String error) {
    Counter.builder("latchkey.slack.errors")
        .description("Failed Slack Web API calls, by method and error")
        .tag("method", method)
        .tag("error", error)
        .register(registry)
        .increment();
  }
}
