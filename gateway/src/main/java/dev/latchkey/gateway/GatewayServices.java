package dev.latchkey.gateway;

import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.session.AdmitConnection;
import dev.latchkey.core.session.CloseSession;
import dev.latchkey.core.session.LogActivity;
import dev.latchkey.core.session.OpenSession;
import java.time.Clock;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What the gateway asks and tells the core: whether a grant may pass (the records decide), how an
 * ended grant ended (to say so), and the session records; the recorder of streams; time.
 *
 * @param requests read only to tell an expired grant from a revoked one when cutting
 * @param nanoTicker elapsed time (durations, cache ages), e.g. {@code System::nanoTime}
 */
public record GatewayServices(
    AdmitConnection admit,
    RequestStore requests,
    OpenSession openSession,
    CloseSession closeSession,
    LogActivity activity,
    TapFactory taps,
    Clock clock,
    LongSupplier nanoTicker) {
  public GatewayServices {
    Objects.requireNonNull(admit, "admit");
    Objects.requireNonNull(requests, "requests");
    Objects.requireNonNull(openSession, "openSession");
    Objects.requireNonNull(closeSession, "closeSession");
    Objects.requireNonNull(activity, "activity");
    Objects.requireNonNull(taps, "taps");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(nanoTicker, "nanoTicker");
  }
}
