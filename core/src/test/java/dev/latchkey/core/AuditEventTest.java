package dev.latchkey.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What an audit event may hold: text that stores and hashes one way only. */
class AuditEventTest {
  static final Instant AT = Instant.parse("2026-03-01T10:15:30Z");

  static AuditEvent withDetails(Map<String, String> details) {
    return new AuditEvent(
        AT,
        Actor.SYSTEM,
        Optional.empty(),
        Optional.empty(),
        AuditAction.GRANT_FAILED,
        AuditResult.FAILED,
        details);
  }

  @Test
  void printableTextNewlinesTabsAndSurrogatePairsAreKeptSorted() {
    AuditEvent event =
        withDetails(Map.of("z", "line one\nline\ttwo", "a", "emoji \uD83D\uDE00 and ü", "m", ""));

    assertThat(event.details())
        .containsExactly(
            Map.entry("a", "emoji \uD83D\uDE00 and ü"),
            Map.entry("m", ""),
            Map.entry("z", "line one\nline\ttwo"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nul \u0000 here",
        "bell \u0007",
        "carriage\rreturn",
        "escape \u001B[31m",
        "del \u007F",
        "c1 \u0085",
        "lone high \uD83D",
        "lone low \uDE00 first",
        "reversed \uDE00\uD83D",
        "\uD83D"
      })
  void controlCharactersAndUnpairedSurrogatesAreRefusedInValues(String value) {
    assertThatThrownBy(() -> withDetails(Map.of("error", value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audit detail \"error\" holds U+");
  }

  @Test
  void theMessageSaysWhichCharacterAndWhere() {
    assertThatThrownBy(() -> withDetails(Map.of("text", "ab\u0000")))
        .hasMessage(
            "audit detail \"text\" holds U+0000 at index 2; audit text may hold neither control"
                + " characters other than newline and tab nor unpaired surrogates");
  }

  @Test
  void keysAreCheckedToo() {
    assertThatThrownBy(() -> withDetails(Map.of("bad\u0000key", "v")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("detail key \"bad\uFFFDkey\"");
    assertThatThrownBy(() -> withDetails(Map.of("", "v")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key is null or empty");
  }

  @Test
  void aNullValueIsRefusedRatherThanStoredAsJsonNull() {
    Map<String, String> details = new HashMap<>();
    details.put("thread_ts", null);

    assertThatThrownBy(() -> withDetails(details))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"thread_ts\" is null");
  }

  @Test
  void foreignTextIsMadeStorableByReplacingWhatCannotBeStored() {
    assertThat(AuditEvent.storable("ok \uD83D\uDE00\n\tfine")).isEqualTo("ok \uD83D\uDE00\n\tfine");
    assertThat(AuditEvent.storable("a\u0000b\rc\uD83Dd\uDE00"))
        .isEqualTo("a\uFFFDb\uFFFDc\uFFFDd\uFFFD");
    assertThat(AuditEvent.isStorable(AuditEvent.storable("x\u0001\uDFFF\uD800"))).isTrue();
    assertThat(withDetails(Map.of("text", AuditEvent.storable("reply\r\n"))).details())
        .containsEntry("text", "reply\uFFFD\n");
  }
}
