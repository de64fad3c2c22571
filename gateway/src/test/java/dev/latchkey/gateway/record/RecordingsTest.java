package dev.latchkey.gateway.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecordingsTest {

  private static byte[] cast(String... lines) {
    return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static final String HEADER =
      "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":1772359200}";

  @Test
  void rebuildsTheTypedLinesFromKeystrokes() {
    byte[] cast =
        cast(
            HEADER,
            "[0.5,\"o\",\"$ \"]",
            "[1.0,\"i\",\"l\"]",
            "[1.1,\"i\",\"s\"]",
            "[1.2,\"i\",\" -l\\r\"]",
            "[2.0,\"i\",\"ecoo\\u007f\\u007fho h\\u00e9\\u0008\\u0008hi\\r\"]",
            "[2.5,\"i\",\"\\u001b[A\\u001bOB\\r\"]",
            "[3.0,\"i\",\"rm -rf /\\u0003\"]",
            "[3.1,\"i\",\"cat secret\\u0015cat notes\\r\"]",
            "[3.2,\"i\",\"kubectl get pods --all\\u0017\\u0017pods\\r\\n\"]",
            "[3.3,\"r\",\"100x30\"]",
            "[4.0,\"i\",\"exit\"]",
            "[12.25,\"o\",\"bye\\r\\n\"]");

    Recordings.Summary summary = Recordings.summary(cast);

    assertThat(summary.commands())
        .containsExactly("ls -l", "echo hi", "cat notes", "kubectl get pods", "exit");
    assertThat(summary.duration()).isEqualTo(Duration.ofMillis(12_250));
    assertThat(summary.bytes()).isEqualTo(cast.length);
  }

  @Test
  void readsPipedInputLineByLine() {
    Recordings.Summary summary =
        Recordings.summary(
            cast(HEADER, "[0.1,\"i\",\"echo a\\necho b\\n\\n  \\n\"]", "[0.2,\"o\",\"a\\nb\\n\"]"));
    assertThat(summary.commands()).containsExactly("echo a", "echo b");
  }

  @Test
  void readsWhatTheTapsWrite() {
    MemorySink sink = new MemorySink();
    AtomicLong ticker = new AtomicLong();
    StreamTap tap =
        StreamTaps.open(
            Sessions.exec(true, "sh"),
            "websocket",
            "v5.channel.k8s.io",
            sink,
            ticker::get,
            Sessions.CLOCK,
            1 << 20);
    WebSocketTapTest.v5Terminal().feedWhole(tap, ticker);
    tap.finish();

    Recordings.Summary summary = Recordings.summary(sink.bytes());
    assertThat(summary.commands()).containsExactly("lsecho h\u00e9", "exit");
    assertThat(summary.duration()).isEqualTo(Duration.ofNanos(20 * Script.STEP_NANOS));
  }

  @Test
  void refusesWhatIsNotARecording() {
    assertThatThrownBy(() -> Recordings.summary(cast("{\"version\":1}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v2 header");
    assertThatThrownBy(() -> Recordings.summary(cast(HEADER, "[0.1,\"o\"]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2");
    assertThatThrownBy(() -> Recordings.summary(cast(HEADER, "not json")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2");
    assertThatThrownBy(() -> Recordings.summary(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
