package dev.latchkey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The gateway's native TLS and sockets ship with it, and load where they can: losing them silently
 * would triple the gateway's CPU per byte.
 */
class NativeIoTest {

  @Test
  void theLinuxX8664LibrariesShipWithTheGatewayOnEveryHost() {
    ClassLoader loader = NativeIoTest.class.getClassLoader();
    assertThat(loader.getResource("META-INF/native/libnetty_tcnative_linux_x86_64.so")).isNotNull();
    assertThat(loader.getResource("META-INF/native/libnetty_transport_native_epoll_x86_64.so"))
        .isNotNull();
  }

  @Test
  @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
  void onLinuxX8664WithGlibcBoringSslAndEpollCarryTheGateway() {
    // Elsewhere (musl, say, or a temporary directory mounted noexec) the gateway falls back to the
    // JDK's engine and NIO and logs so; that is not this build's concern.
    assumeTrue(Files.exists(Path.of("/lib64/ld-linux-x86-64.so.2")), "glibc's loader is here");
    assertThat(GatewayTls.provider()).isEqualTo(SslProvider.OPENSSL);
    assertThat(GatewayTransport.chosen()).isEqualTo(GatewayTransport.EPOLL);
  }
}
