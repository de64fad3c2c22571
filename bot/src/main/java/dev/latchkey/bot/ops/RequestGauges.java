package dev.latchkey.bot.ops;

import dev.latchkey.bot.config.LatchkeyConfig;
import dev.latchkey.core.Customer;
import dev.latchkey.core.RequestState;
import dev.latchkey.core.UseCases;
import dev.latchkey.storage.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;

/**
 * The gauges read from the records: open requests by state, overdue revocations, and what reaches
 * latchkey-grants that Latchkey did not make; and whether this replica leads.
 */
public final class RequestGauges {
  private RequestGauges() {}

  public static void register(
      PrometheusMeterRegistry metrics, Database database, UseCases core, LatchkeyConfig config) {
    for (RequestState state :
        List.of(RequestState.PENDING, RequestState.APPROVED, RequestState.ACTIVE)) {
      Gauge.builder(
              "latchkey.requests",
              () -> {
                long count = 0;
                for (Customer customer : config.customers().all()) {
                  count +=
                      database.requests().findOpen(customer.id()).stream()
                          .filter(r -> r.state() == state)
                          .count();
                }
                return count;
              })
          .description("Open requests by state")
          .tag("state", state.name().toLowerCase(java.util.Locale.ROOT))
          .register(metrics);
    }
    Gauge.builder("latchkey.revocations.overdue", () -> core.removals().overdue().size())
        .description(
            "Grants still in a cluster more than 60 s after their end (removal failing, or not yet"
                + " ended)")
        .register(metrics);
    Gauge.builder("latchkey.unmanaged.objects", () -> core.foreign().total())
        .description(
            "Objects reaching latchkey-grants that Latchkey did not make, by the last"
                + " reconciliation of each cluster")
        .register(metrics);
    Gauge.builder("latchkey.leader", () -> database.leadership().leads() ? 1 : 0)
        .description(
            "1 while this replica runs the timers, reconciliation and card repair; 0 while another"
                + " does")
        .register(metrics);
  }
}
