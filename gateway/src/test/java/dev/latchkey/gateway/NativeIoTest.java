package dev.latchkey.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class NativeIoTest {

  @Test
  @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
  void onLinuxX8664BoringSslCarriesTheGatewaysTls() {
    // The native engine is the gateway's throughput: losing it silently would triple its CPU per
    // byte.
    assertThat(GatewayTls.provider()).isEqualTo(SslProvider.OPENSSL);
  }

  @Test
  @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
  void onLinuxX8664EpollCarriesTheGatewaysSockets() {
    assertThat(GatewayTransport.chosen()).isEqualTo(GatewayTransport.EPOLL);
  }
}
