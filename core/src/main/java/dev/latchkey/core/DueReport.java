package dev.latchkey.core;

import java.util.List;

/** What one pass of the timers did: how many due requests it handled and which ones threw. */
public record DueReport(int handled, List<String> errors) {
  public DueReport {
    errors = List.copyOf(errors);
  }
}
