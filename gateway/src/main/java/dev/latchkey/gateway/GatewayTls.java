package dev.latchkey.gateway;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS engine the gateway's two legs use: BoringSSL (Netty's OpenSSL engine) where its native
 * library loads, the JDK's own elsewhere. Both speak the same protocols with the same certificates;
 * the native one costs far less CPU per byte, and every byte of a session is TLS twice.
 */
final class GatewayTls {
  private static final Logger log = LoggerFactory.getLogger(GatewayTls.class);
  private static final SslProvider PROVIDER = choose();

  private GatewayTls() {}

  static SslProvider provider() {
    return PROVIDER;
  }

  private static SslProvider choose() {
    if (OpenSsl.isAvailable()) {
      log.debug("gateway TLS: {}", OpenSsl.versionString());
      return SslProvider.OPENSSL;
    }
    log.info(
        "gateway TLS: the JDK's engine (BoringSSL did not load here: {})",
        String.valueOf(OpenSsl.unavailabilityCause()));
    return SslProvider.JDK;
  }
}
