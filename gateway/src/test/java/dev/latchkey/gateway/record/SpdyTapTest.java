package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpdyTapTest {
  private static final int ERROR = 1;
  private static final int STDIN = 3;
  private static final int STDOUT = 5;
  private static final int RESIZE = 7;
  private static final int STDERR = 9;

  private final AtomicLong ticker = new AtomicLong(5_000_000_000L);
  private final MemorySink sink = new MemorySink();

  private CountingTap tap(boolean tty) {
    return StreamTaps.open(
        Sessions.exec(tty, "sh"),
        "SPDY/3.1",
        "v4.channel.k8s.io",
        sink,
        ticker::get,
        Sessions.CLOCK,
        1 << 20);
  }

  /** kubectl exec -it … sh, as kubectl and the API server send it over SPDY. */
  static Script terminal() {
    SpdyFrames client = new SpdyFrames();
    SpdyFrames server = new SpdyFrames();
    byte[] e9 = {(byte) 0xA9};
    return new Script()
        .client(client.open(ERROR, "error"))
        .client(client.open(STDIN, "stdin"))
        .client(client.open(STDOUT, "stdout"))
        .client(client.open(RESIZE, "resize"))
        .server(server.reply(ERROR))
        .server(server.reply(STDIN))
        .server(server.reply(STDOUT))
        .server(server.reply(RESIZE))
        .client(client.settings())
        .client(client.data(RESIZE, "{\"Width\":120,\"Height\":40}\n"))
        .server(server.data(STDOUT, "$ "))
        .client(client.data(STDIN, "l"))
        .client(client.data(STDIN, "s"))
        .client(client.data(STDIN, " h"))
        .client(client.data(STDIN, new byte[] {(byte) 0xC3}, false))
        .client(client.data(STDIN, e9, false))
        .client(client.data(STDIN, "\r"))
        .server(server.data(STDOUT, "ls h"))
        .server(server.data(STDOUT, new byte[] {(byte) 0xC3}, false))
        .server(server.windowUpdate(STDIN, 4096))
        .server(server.data(STDOUT, e9, false))
        .server(server.data(STDOUT, "\r\nh\u00e9llo.txt\r\n$ "))
        .client(client.ping(1))
        .server(server.ping(1))
        .client(client.data(RESIZE, "{\"Width\":100,\"Height\":30}\n"))
        .client(client.data(STDIN, "exit\r"))
        .server(server.data(STDOUT, "exit\r\n"))
        .server(server.data(ERROR, "{\"metadata\":{},\"status\":\"Success\"}"))
        .server(server.data(ERROR, new byte[0], true))
        .client(client.reset(STDIN))
        .server(server.goAway(0));
  }

  private static final List<String> TERMINAL =
      List.of(
          "o:$ ",
          "i:ls h\u00e9\r",
          "o:ls h\u00e9\r\nh\u00e9llo.txt\r\n$ ",
          "r:100x30",
          "i:exit\r",
          "o:exit\r\n",
          "m:{\"metadata\":{},\"status\":\"Success\"}");

  @Test
  void recordsATerminalSessionWithItsSizeKeystrokesAndOutput() {
    CountingTap tap = tap(true);
    terminal().feedWhole(tap, ticker);
    StreamTap.RecordingSummary summary = tap.finish();

    Cast cast = sink.cast();
    assertThat(cast.header().get("width").asInt()).isEqualTo(120);
    assertThat(cast.header().get("height").asInt()).isEqualTo(40);
    assertThat(cast.header().get("timestamp").asLong()).isEqualTo(Sessions.START.getEpochSecond());
    assertThat(cast.header().get("env").get("TERM").asText()).isEqualTo("xterm");
    assertThat(cast.header().get("title").asText()).isEqualTo("exec default/web-1 (app): sh");
    assertThat(cast.content()).isEqualTo(TERMINAL);
    // the first event: the 11th read, each 10 ms after the last, from a ticker that began at 5 s
    assertThat(new String(sink.bytes(), StandardCharsets.UTF_8))
        .contains("[0.110000,\"o\",\"$ \"]");
    assertThat(summary.bytes()).isEqualTo(sink.bytes().length);
    assertThat(summary.sha256()).contains(sink.sha256());
    assertThat(tap.bytesFromClient()).isEqualTo(terminal().bytes(true).length);
    assertThat(tap.bytesFromServer()).isEqualTo(terminal().bytes(false).length);
  }

  @Test
  void readsCutAnywhereGiveTheSameRecordingAsWholeFrames() {
    for (long seed = 1; seed <= 25; seed++) {
      MemorySink cutSink = new MemorySink();
      CountingTap tap =
          StreamTaps.open(
              Sessions.exec(true, "sh"),
              "SPDY/3.1",
              "v4.channel.k8s.io",
              cutSink,
              ticker::get,
              Sessions.CLOCK,
              1 << 20);
      terminal().feedCut(tap, ticker, seed);
      StreamTap.RecordingSummary summary = tap.finish();
      Cast cast = cutSink.cast();
      assertThat(cast.content()).as("seed %d", seed).isEqualTo(TERMINAL);
      assertThat(cast.header().get("width").asInt()).isEqualTo(120);
      assertThat(summary.sha256()).contains(cutSink.sha256());
    }
  }

  @Test
  void recordsStderrAsOutputAndWritesTheHeaderAtOnceWithoutATerminal() {
    SpdyFrames client = new SpdyFrames();
    SpdyFrames server = new SpdyFrames();
    CountingTap tap = tap(false);
    assertThat(sink.parts()).as("the header, stored when the stream opens").hasSize(1);

    new Script()
        .client(client.open(ERROR, "error"))
        .client(client.open(STDIN, "stdin"))
        .client(client.open(STDOUT, "stdout"))
        .client(client.open(STDERR, "stderr"))
        .client(client.data(STDIN, "cat nope\n"))
        .server(server.data(STDERR, "cat: nope: No such file\n"))
        .feedWhole(tap, ticker);
    assertThat(sink.parts()).as("written as it comes, not at the end").hasSize(3);
    tap.finish();

    Cast cast = sink.cast();
    assertThat(cast.header().get("width").asInt()).isEqualTo(80);
    assertThat(cast.header().get("height").asInt()).isEqualTo(24);
    assertThat(cast.header().has("env")).isFalse();
    assertThat(cast.content()).containsExactly("i:cat nope\n", "o:cat: nope: No such file\n");
  }

  @Test
  void farewellIsADataFrameOnTheStdoutStreamAndIsRecorded() {
    CountingTap tap = tap(true);
    Script script = terminal();
    script.feedWhole(tap, ticker);

    Optional<ByteBuf> farewell = tap.farewell("access ar-7k2q9xbd ended: revoked");

    assertThat(farewell).isPresent();
    EmbeddedChannel decoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    decoder.writeInbound(Unpooled.wrappedBuffer(script.bytes(false)), farewell.get());
    SpdyDataFrame last = null;
    for (Object frame = decoder.readInbound(); frame != null; frame = decoder.readInbound()) {
      if (frame instanceof SpdyDataFrame data) {
        if (last != null) {
          last.release();
        }
        last = data;
      }
    }
    assertThat(last).isNotNull();
    assertThat(last.streamId()).isEqualTo(STDOUT);
    assertThat(last.content().toString(StandardCharsets.UTF_8))
        .isEqualTo("\r\naccess ar-7k2q9xbd ended: revoked\r\n");
    last.release();
    tap.finish();
    assertThat(sink.cast().events().getLast().data())
        .isEqualTo("\r\naccess ar-7k2q9xbd ended: revoked\r\n");
  }

  @Test
  void noFarewellInsideAFrameNorAfterStdoutEnded() {
    SpdyFrames client = new SpdyFrames();
    SpdyFrames server = new SpdyFrames();
    CountingTap tap = tap(false);
    new Script().client(client.open(STDOUT, "stdout")).feedWhole(tap, ticker);
    byte[] output = server.data(STDOUT, "a long line of output");
    Script.feed(tap, false, Arrays.copyOf(output, 11));
    assertThat(tap.farewell("bye")).isEmpty();
    Script.feed(tap, false, Arrays.copyOfRange(output, 11, output.length));
    assertThat(tap.farewell("bye")).isPresent();

    Script.feed(tap, false, server.data(STDOUT, new byte[0], true));
    assertThat(tap.farewell("bye")).isEmpty();
  }

  @Test
  void refusesWhatNoKubernetesStreamSends() {
    SpdyFrames client = new SpdyFrames();
    assertFails(new Script().client(new SpdyFrames().data(STDIN, "typed")), "never opened");
    assertFails(new Script().client(new SpdyFrames().data(7, new byte[0], true)), "never opened");
    assertFails(new Script().server(new SpdyFrames().open(2, "stdout")), "server opened");
    assertFails(new Script().client(new SpdyFrames().open(1, "video")), "unknown type");
    assertFails(
        new Script()
            .client(client.open(STDIN, "stdin"))
            .server(new SpdyFrames().data(STDIN, "not yours")),
        "wrong direction");
    assertFails(
        new Script()
            .client(new SpdyFrames().open(RESIZE, "resize"))
            .client(new SpdyFrames().data(RESIZE, "{\"Width\":\"wide\"}")),
        "Width"); // A control frame (SYN_STREAM, version 3) claiming 16 MB: refused before it is
    // gathered.
    assertFails(
        new Script()
            .client(
                new byte[] {
                  (byte) 0x80, 3, 0, 1, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 1
                }),
        "too large");
  }

  private void assertFails(Script script, String why) {
    CountingTap tap =
        StreamTaps.open(
            Sessions.exec(false, "sh"),
            "SPDY/3.1",
            "v4.channel.k8s.io",
            new MemorySink(),
            ticker::get,
            Sessions.CLOCK,
            1 << 20);
    assertThatThrownBy(() -> script.feedWhole(tap, ticker))
        .isInstanceOf(RecordingFailedException.class)
        .hasMessageContaining(why);
    assertThatThrownBy(() -> Script.feed(tap, true, new byte[] {1}))
        .as("once failed, always failed")
        .isInstanceOf(RecordingFailedException.class);
    tap.finish();
  }

  @Test
  void garbageAndDamagedStreamsFailOnlyAsRecordingFailures() {
    byte[] client = terminal().bytes(true);
    byte[] server = terminal().bytes(false);
    Random random = new Random(42);
    int failed = 0;
    for (int round = 0; round < 200; round++) {
      CountingTap tap =
          StreamTaps.open(
              Sessions.exec(true, "sh"),
              "SPDY/3.1",
              "v4.channel.k8s.io",
              new MemorySink(),
              ticker::get,
              Sessions.CLOCK,
              1 << 20);
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
