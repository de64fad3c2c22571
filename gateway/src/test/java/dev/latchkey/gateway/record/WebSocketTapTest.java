package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WebSocketTapTest {
  private static final String STATUS = "{\"metadata\":{},\"status\":\"Success\"}";
  private static final byte[] E_ACUTE_1 = {(byte) 0xC3};
  private static final byte[] E_ACUTE_2 = {(byte) 0xA9};

  private final AtomicLong ticker = new AtomicLong();
  private MemorySink sink = new MemorySink();

  private CountingTap tap(String subprotocol, boolean tty) {
    sink = new MemorySink();
    return StreamTaps.open(
        Sessions.exec(tty, "sh"),
        "websocket",
        subprotocol,
        sink,
        ticker::get,
        Sessions.CLOCK,
        1 << 20);
  }

  private static byte[] concat(byte[]... parts) {
    int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
    byte[] all = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** kubectl exec -it … sh over v5.channel.k8s.io, with a fragmented message and pings. */
  static Script v5Terminal() {
    WebSocketFrames client = WebSocketFrames.client();
    WebSocketFrames server = WebSocketFrames.server();
    return new Script()
        .client(client.binary(4, "{\"Width\":120,\"Height\":40}"))
        .server(server.binary(1, ""))
        .server(server.binary(1, "$ "))
        .client(client.binary(0, "l"))
        .client(client.binary(0, "s"))
        .client(client.ping())
        .server(server.pong())
        .client(client.binaryFragment(false, concat(new byte[] {0}, utf8("ec"))))
        .client(client.ping())
        .client(client.continuation(false, utf8("ho h")))
        .client(client.continuation(false, E_ACUTE_1))
        .client(client.continuation(true, concat(E_ACUTE_2, utf8("\r"))))
        .server(server.binary(1, concat(utf8("echo h"), E_ACUTE_1)))
        .server(server.binary(1, concat(E_ACUTE_2, utf8("\r\nh\r\n$ "))))
        .server(server.binary(2, "warning\n"))
        .client(client.binary(4, "{\"Width\":100,\"Height\":30}"))
        .client(client.binary(0, "exit\r"))
        .client(client.binary(255, new byte[] {0}))
        .server(server.binary(1, "exit\r\n"))
        .server(server.binary(3, STATUS))
        .server(server.close())
        .client(client.close());
  }

  private static final List<String> V5_TERMINAL =
      List.of(
          "o:$ ",
          "i:lsecho h\u00e9\r",
          "o:echo h\u00e9\r\nh\r\n$ warning\n",
          "r:100x30",
          "i:exit\r",
          "o:exit\r\n",
          "m:" + STATUS);

  /** The same over v4.base64.channel.k8s.io, base64 split across fragments mid-group. */
  static Script base64Terminal() {
    WebSocketFrames client = WebSocketFrames.client();
    WebSocketFrames server = WebSocketFrames.server();
    String typed = WebSocketFrames.base64Payload(0, "echo h\u00e9\r");
    return new Script()
        .client(client.base64(4, "{\"Width\":120,\"Height\":40}"))
        .server(server.base64(1, ""))
        .server(server.base64(1, "$ "))
        .client(client.base64(0, "ls"))
        .client(client.textFragment(false, typed.substring(0, 3)))
        .client(client.ping())
        .client(client.continuation(false, typed.substring(3, 8)))
        .client(client.continuation(true, typed.substring(8)))
        .server(server.base64(1, "echo h\u00e9\r\nh\r\n$ "))
        .server(server.base64(2, "warning\n"))
        .client(client.base64(4, "{\"Width\":100,\"Height\":30}"))
        .client(client.base64(0, "exit\r"))
        .server(server.base64(1, "exit\r\n"))
        .server(server.base64(3, STATUS))
        .server(server.close())
        .client(client.close());
  }

  @Test
  void recordsATerminalSessionOverV5() {
    CountingTap tap = tap("v5.channel.k8s.io", true);
    v5Terminal().feedWhole(tap, ticker);
    StreamTap.RecordingSummary summary = tap.finish();

    Cast cast = sink.cast();
    assertThat(cast.header().get("width").asInt()).isEqualTo(120);
    assertThat(cast.header().get("height").asInt()).isEqualTo(40);
    assertThat(cast.content()).isEqualTo(V5_TERMINAL);
    assertThat(summary.bytes()).isEqualTo(sink.bytes().length);
    assertThat(summary.sha256()).contains(sink.sha256());
  }

  @Test
  void recordsTheBase64Variant() {
    CountingTap tap = tap("v4.base64.channel.k8s.io", true);
    base64Terminal().feedWhole(tap, ticker);
    tap.finish();

    assertThat(sink.cast().content()).isEqualTo(V5_TERMINAL);
  }

  @Test
  void readsCutAnywhereGiveTheSameRecordingAsWholeFrames() {
    for (long seed = 1; seed <= 25; seed++) {
      CountingTap tap = tap("v5.channel.k8s.io", true);
      v5Terminal().feedCut(tap, ticker, seed);
      StreamTap.RecordingSummary summary = tap.finish();
      assertThat(sink.cast().content()).as("seed %d", seed).isEqualTo(V5_TERMINAL);
      assertThat(summary.sha256()).contains(sink.sha256());

      tap = tap("v4.base64.channel.k8s.io", true);
      base64Terminal().feedCut(tap, ticker, seed);
      tap.finish();
      assertThat(sink.cast().content()).as("base64, seed %d", seed).isEqualTo(V5_TERMINAL);
    }
  }

  @Test
  void keepsACharacterSplitAcrossMessagesWhole() {
    byte[] emoji = utf8("\uD83D\uDE00"); // four bytes
    WebSocketFrames server = WebSocketFrames.server();
    CountingTap tap = tap("v4.channel.k8s.io", false);
    new Script()
        .server(server.binary(1, Arrays.copyOf(emoji, 1)))
        .server(server.binary(1, Arrays.copyOfRange(emoji, 1, 3)))
        .server(server.binary(2, "between\n"))
        .server(server.binary(1, concat(Arrays.copyOfRange(emoji, 3, 4), utf8("!"))))
        .server(server.binary(1, new byte[] {(byte) 0xFF, 'x'}))
        .server(server.binary(1, new byte[] {(byte) 0xE2, (byte) 0x82}))
        .feedWhole(tap, ticker);
    tap.finish();

    assertThat(sink.cast().text("o"))
        .as("stdout and stderr decoded apart; bad bytes and a cut-off end become U+FFFD")
        .isEqualTo("between\n\uD83D\uDE00!\uFFFDx\uFFFD");
  }

  @Test
  void farewellIsAStdoutMessageInTheProtocolsOwnForm() {
    for (String protocol : List.of("v5.channel.k8s.io", "v4.base64.channel.k8s.io")) {
      boolean base64 = protocol.contains("base64");
      CountingTap tap = tap(protocol, true);
      WebSocketFrames server = WebSocketFrames.server();
      Script script =
          new Script()
              .server(base64 ? server.base64(1, "$ ") : server.binary(1, "$ "))
              .server(server.ping());
      script.feedWhole(tap, ticker);

      ByteBuf farewell = tap.farewell("access ar-7k2q9xbd ended: expired").orElseThrow();

      EmbeddedChannel decoder =
          new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 1 << 16));
      decoder.writeInbound(Unpooled.wrappedBuffer(script.bytes(false)), farewell);
      WebSocketFrame last = null;
      for (Object frame = decoder.readInbound(); frame != null; frame = decoder.readInbound()) {
        ReferenceCountUtil.release(last);
        last = (WebSocketFrame) frame;
      }
      String line = "\r\naccess ar-7k2q9xbd ended: expired\r\n";
      if (base64) {
        assertThat(last).isInstanceOf(TextWebSocketFrame.class);
        assertThat(((TextWebSocketFrame) last).text())
            .isEqualTo(WebSocketFrames.base64Payload(1, line));
      } else {
        assertThat(last).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(ByteBufUtil.getBytes(last.content()))
            .isEqualTo(concat(new byte[] {1}, utf8(line)));
      }
      assertThat(last.isFinalFragment()).isTrue();
      last.release();
      tap.finish();
      assertThat(sink.cast().events().getLast().data()).isEqualTo(line);
    }
  }

  @Test
  void noFarewellInsideAFrameInsideAMessageOrAfterTheClose() {
    WebSocketFrames server = WebSocketFrames.server();
    CountingTap tap = tap("v4.channel.k8s.io", false);
    byte[] output = server.binary(1, "some output");
    Script.feed(tap, false, Arrays.copyOf(output, 5));
    assertThat(tap.farewell("bye")).isEmpty();
    Script.feed(tap, false, Arrays.copyOfRange(output, 5, output.length));
    Optional<ByteBuf> offered = tap.farewell("bye");
    assertThat(offered).isPresent();
    offered.get().release();

    Script.feed(tap, false, server.binaryFragment(false, concat(new byte[] {1}, utf8("half"))));
    assertThat(tap.farewell("bye")).as("a fragmented message is under way").isEmpty();
    Script.feed(tap, false, server.continuation(true, utf8(" and the rest")));
    assertThat(tap.farewell("bye")).isPresent();

    Script.feed(tap, false, server.close());
    assertThat(tap.farewell("bye")).isEmpty();
    tap.finish();
    assertThat(sink.cast().text("o"))
        .isEqualTo("some output\r\nbye\r\nhalf and the rest\r\nbye\r\n");
  }

  @Test
  void refusesWhatNoKubernetesStreamSends() {
    WebSocketFrames client = WebSocketFrames.client();
    WebSocketFrames server = WebSocketFrames.server();
    assertFails("v4.channel.k8s.io", new Script().client(server.binary(0, "x")), "not masked");
    assertFails("v4.channel.k8s.io", new Script().server(client.binary(1, "x")), "is masked");
    assertFails("v4.channel.k8s.io", new Script().server(server.binary(7, "x")), "channel 7");
    assertFails("v4.channel.k8s.io", new Script().server(server.binary(255, "x")), "255");
    assertFails("v4.channel.k8s.io", new Script().server(server.binary(0, "x")), "direction");
    assertFails("v4.channel.k8s.io", new Script().client(client.binary(1, "x")), "direction");
    assertFails(
        "v4.channel.k8s.io",
        new Script().server(server.continuation(true, utf8("x"))),
        "continuation");
    assertFails(
        "v4.channel.k8s.io",
        new Script()
            .server(server.binaryFragment(false, new byte[] {1, 'a'}))
            .server(server.binary(1, "b")),
        "began before");
    assertFails(
        "v4.channel.k8s.io", new Script().server(new byte[] {(byte) 0xC2, 1, 1}), "extension");
    assertFails("v4.channel.k8s.io", new Script().server(new byte[] {(byte) 0x83, 0}), "type 3");
    assertFails(
        "v4.channel.k8s.io",
        new Script().server(server.close()).server(server.binary(1, "late")),
        "after the close");
    assertFails("base64.channel.k8s.io", new Script().server(server.base64(1, "x").clone()), null);
    assertFails("base64.channel.k8s.io", new Script().server(textFrame("x1234")), "channel digit");
    assertFails("base64.channel.k8s.io", new Script().server(textFrame("1ab!d")), "not base64");
    assertFails("base64.channel.k8s.io", new Script().server(textFrame("1abc")), "group of four");
    assertFails(
        "base64.channel.k8s.io",
        new Script()
            .server(server.textFragment(false, "1QQ=="))
            .server(server.continuation(true, "QQ==")),
        "after its padding");
  }

  private static byte[] textFrame(String payload) {
    return WebSocketFrames.server().textFragment(true, payload);
  }

  private void assertFails(String protocol, Script script, String why) {
    CountingTap tap = tap(protocol, false);
    if (why == null) {
      script.feedWhole(tap, ticker); // the control case: this one is fine
      return;
    }
    assertThatThrownBy(() -> script.feedWhole(tap, ticker))
        .isInstanceOf(RecordingFailedException.class)
        .hasMessageContaining(why);
    assertThatThrownBy(() -> Script.feed(tap, false, WebSocketFrames.server().binary(1, "x")))
        .as("once failed, always failed")
        .isInstanceOf(RecordingFailedException.class);
    assertThat(tap.farewell("bye")).as("no farewell on a stream not understood").isEmpty();
    tap.finish();
  }

  @Test
  void garbageAndDamagedStreamsFailOnlyAsRecordingFailures() {
    byte[] client = v5Terminal().bytes(true);
    byte[] server = v5Terminal().bytes(false);
    Random random = new Random(42);
    int failed = 0;
    for (int round = 0; round < 200; round++) {
      CountingTap tap = tap("v5.channel.k8s.io", true);
      byte[] c = client.clone();
      byte[] s = server.clone();
      if (round < 50) {
        random.nextBytes(c);
      } else {
        for (int k = 0; k < 1 + random.nextInt(4); k++) {
          byte[] damaged = random.nextBoolean() ? c : s;
          damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
        }
      }
      try {
        Script.feed(tap, true, c);
        Script.feed(tap, false, s);
      } catch (RecordingFailedException e) {
        failed++;
      }
      tap.finish();
    }
    assertThat(failed).as("most damage is noticed").isGreaterThan(100);
  }
}
