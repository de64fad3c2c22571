package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.session.StreamKind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What every recording shares, whatever carries it: parts, the cap, failures, the header. */
class StreamTapsTest {
  private final AtomicLong ticker = new AtomicLong(1_000_000_000L);
  private final WebSocketFrames client = WebSocketFrames.client();
  private final WebSocketFrames server = WebSocketFrames.server();

  private CountingTap open(boolean tty, RecordingSink sink, long cap) {
    return StreamTaps.open(
        Sessions.exec(tty, "sh", "-c", "echo \"hi\""),
        "websocket",
        "v4.channel.k8s.io",
        sink,
        ticker::get,
        Sessions.CLOCK,
        cap);
  }

  @Test
  void partsAreWholeLinesInOrderAndTheHashIsOfExactlyWhatTheSinkTook() {
    MemorySink sink = new MemorySink();
    CountingTap tap = open(false, sink, 1 << 20);
    for (int i = 0; i < 5; i++) {
      ticker.addAndGet(1_500_000);
      Script.feed(tap, false, server.binary(1, "line " + i + " \"quoted\" \u001b[1m\n"));
      assertThat(sink.parts()).as("stored as it comes").hasSize(i + 2);
    }
    StreamTap.RecordingSummary summary = tap.finish();

    for (byte[] part : sink.parts()) {
      assertThat(part[part.length - 1]).isEqualTo((byte) '\n');
    }
    assertThat(summary.bytes()).isEqualTo(sink.bytes().length);
    assertThat(summary.sha256()).contains(sink.sha256());
    Cast cast = sink.cast();
    assertThat(cast.header().get("title").asText())
        .isEqualTo("exec default/web-1 (app): sh -c echo \"hi\"");
    assertThat(cast.text("o")).startsWith("line 0 \"quoted\" \u001b[1m\nline 1");
    assertThat(new String(sink.bytes(), StandardCharsets.UTF_8))
        .as("times from the ticker, relative to the start, to the microsecond")
        .contains("[0.001500,\"o\",")
        .contains("[0.007500,\"o\",");
  }

  @Test
  void aReadLargerThanAPartIsStoredInPartsTheStoreTakesAndItsTextStaysWhole() {
    MemorySink sink = new MemorySink();
    CountingTap tap = open(false, sink, 1 << 22);
    // NUL is escaped to six bytes in JSON; the emoji falls where an event is split.
    String output =
        "\u0000".repeat(Recorder.EVENT_BYTES - 1)
            + "\uD83D\uDE00"
            + "\u0000".repeat(30_000)
            + "é\n";
    Script.feed(tap, false, server.binary(1, output));
    Script.feed(tap, false, server.binary(1, "after\n"));
    StreamTap.RecordingSummary summary = tap.finish();

    assertThat(sink.parts().size()).as("several parts").isGreaterThan(3);
    assertThat(sink.cast().text("o")).isEqualTo(output + "after\n");
    assertThat(summary.bytes()).isEqualTo(sink.bytes().length);
    assertThat(summary.sha256()).contains(sink.sha256());
  }

  @Test
  void aFullRecordingEndsTheSessionAfterStoringTheLinesThatFit() {
    MemorySink sink = new MemorySink();
    int cap = 600;
    CountingTap tap = open(false, sink, cap);
    RecordingFailedException full = null;
    int sent = 0;
    try {
      while (sent < 100) {
        Script.feed(tap, false, server.binary(1, "0123456789".repeat(3) + "\n"));
        sent++;
      }
    } catch (RecordingFailedException e) {
      full = e;
    }

    assertThat(full).isNotNull();
    assertThat(full.full()).isTrue();
    assertThat(full).hasMessageContaining("600");
    assertThat(sent).isBetween(5, 15);
    assertThat(sink.bytes().length).isLessThanOrEqualTo(cap).isGreaterThan(cap - 60);
    assertThatThrownBy(() -> Script.feed(tap, true, client.binary(0, "x")))
        .isInstanceOfSatisfying(RecordingFailedException.class, e -> assertThat(e.full()).isTrue());
    assertThat(tap.farewell("recording full"))
        .as("the last line is still shown, though it no longer fits")
        .isPresent();
    StreamTap.RecordingSummary summary = tap.finish();
    assertThat(summary.bytes()).isEqualTo(sink.bytes().length);
    assertThat(summary.sha256()).contains(sink.sha256());
    assertThat(sink.cast().events()).hasSize(sent);
  }

  @Test
  void aSinkThatThrowsEndsTheRecordingAndTheSummaryCoversWhatWasStored() {
    MemorySink sink = new MemorySink().failFrom(2);
    CountingTap tap = open(false, sink, 1 << 20);
    Script.feed(tap, false, server.binary(1, "stored\n"));

    assertThatThrownBy(() -> Script.feed(tap, false, server.binary(1, "lost\n")))
        .isInstanceOfSatisfying(
            RecordingFailedException.class,
            e -> {
              assertThat(e.full()).isFalse();
              assertThat(e).hasRootCauseMessage("the database is gone");
            });
    assertThatThrownBy(() -> Script.feed(tap, true, client.binary(0, "typed")))
        .isInstanceOf(RecordingFailedException.class);
    StreamTap.RecordingSummary summary = tap.finish();
    assertThat(sink.cast().text("o")).isEqualTo("stored\n");
    assertThat(summary.bytes()).isEqualTo(sink.bytes().length);
    assertThat(summary.sha256()).contains(sink.sha256());
  }

  @Test
  void aSinkThatCannotTakeTheHeaderRefusesTheStream() {
    assertThatThrownBy(() -> open(false, new MemorySink().failFrom(0), 1 << 20))
        .isInstanceOf(RecordingFailedException.class);
  }

  @Test
  void aTerminalWaitsForItsSizeThenForAtMostFiveSeconds() {
    MemorySink sink = new MemorySink();
    CountingTap tap = open(true, sink, 1 << 20);
    Script.feed(tap, false, server.binary(1, "$ "));
    ticker.addAndGet(Recorder.HOLD_MILLIS * 1_000_000 - 1_000_000);
    Script.feed(tap, true, client.binary(0, "l"));
    assertThat(sink.parts()).as("no size yet, and the wait is not over").isEmpty();

    ticker.addAndGet(1_000_000);
    Script.feed(tap, true, client.binary(0, "s"));
    assertThat(sink.parts()).hasSize(1);
    Script.feed(tap, true, client.binary(4, "{\"Width\":0,\"Height\":0}"));
    Script.feed(tap, true, client.binary(4, "{\"Width\":132,\"Height\":43}\n{\"Width\":90,"));
    Script.feed(tap, true, client.binary(4, "\"Height\":20}"));
    tap.finish();

    Cast cast = sink.cast();
    assertThat(cast.header().get("width").asInt()).isEqualTo(80);
    assertThat(cast.header().get("height").asInt()).isEqualTo(24);
    assertThat(cast.content()).containsExactly("o:$ ", "i:ls", "r:132x43", "r:90x20");
  }

  @Test
  void aTerminalsFirstSizeIsTheHeaders() {
    MemorySink sink = new MemorySink();
    CountingTap tap = open(true, sink, 1 << 20);
    Script.feed(tap, false, server.binary(1, "$ "));
    Script.feed(tap, true, client.binary(4, "{\"Width\":200,\"Height\":50}"));
    assertThat(sink.parts()).hasSize(1);
    tap.finish();
    Cast cast = sink.cast();
    assertThat(cast.header().get("width").asInt()).isEqualTo(200);
    assertThat(cast.header().get("height").asInt()).isEqualTo(50);
    assertThat(cast.content()).containsExactly("o:$ ");
  }

  @Test
  void aQuietTerminalIsStoredAtTheEnd() {
    MemorySink sink = new MemorySink();
    CountingTap tap = open(true, sink, 1 << 20);
    Script.feed(tap, false, server.binary(1, "$ "));
    assertThat(sink.parts()).isEmpty();
    tap.finish();
    assertThat(sink.cast().content()).containsExactly("o:$ ");
  }

  @Test
  void portForwardIsCountedNotRecorded() {
    MemorySink sink = new MemorySink();
    for (String transport : List.of("SPDY/3.1", "websocket")) {
      CountingTap tap =
          StreamTaps.open(
              Sessions.session(StreamKind.PORT_FORWARD, false, List.of()),
              transport,
              "portforward.k8s.io",
              sink,
              ticker::get,
              Sessions.CLOCK,
              1);
      Script.feed(tap, true, new byte[] {(byte) 0xFF, 0, 1, 2});
      Script.feed(tap, false, new byte[] {9, 9});
      assertThat(tap.bytesFromClient()).isEqualTo(4);
      assertThat(tap.bytesFromServer()).isEqualTo(2);
      assertThat(tap.farewell("bye")).isEmpty();
      StreamTap.RecordingSummary summary = tap.finish();
      assertThat(summary.bytes()).isZero();
      assertThat(summary.sha256()).isEmpty();
    }
    assertThat(sink.parts()).isEmpty();
  }

  @Test
  void aStreamItCannotReadIsRefusedAtOnce() {
    for (String[] unknown :
        new String[][] {
          {"SPDY/3.1", "v5.channel.k8s.io"},
          {"SPDY/3.1", "portforward.k8s.io"},
          {"SPDY/2", "v4.channel.k8s.io"},
          {"websocket", "v6.channel.k8s.io"},
          {"websocket", "portforward.k8s.io"},
          {"h2c", ""}
        }) {
      assertThatThrownBy(
              () ->
                  StreamTaps.open(
                      Sessions.exec(false, "sh"),
                      unknown[0],
                      unknown[1],
                      new MemorySink(),
                      ticker::get,
                      Sessions.CLOCK,
                      1 << 20))
          .as(String.join(" ", unknown))
          .isInstanceOf(RecordingFailedException.class)
          .hasMessageContaining("cannot record");
    }
  }

  @Test
  void aFinishedTapTakesNoMore() {
    CountingTap tap = open(false, new MemorySink(), 1 << 20);
    tap.finish();
    assertThatThrownBy(() -> Script.feed(tap, false, server.binary(1, "late")))
        .isInstanceOf(RecordingFailedException.class);
    assertThat(tap.farewell("bye")).isEmpty();
  }
}
