package dev.latchkey.bot.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  @Test
  void readyIsSaidOnceAndOnlyWhenReadyzWouldAnswer200() {
    List<String> problems = new ArrayList<>(List.of("cluster acme/prod: connection refused"));
    AtomicInteger said = new AtomicInteger();
    Readiness readiness = new Readiness(() -> List.copyOf(problems), said::incrementAndGet);

    assertThat(readiness.problems()).containsExactly(Readiness.STARTING);
    problems.clear();
    assertThat(readiness.problems())
        .as("start-up not done: not ready, whatever the dependencies say")
        .containsExactly(Readiness.STARTING);
    assertThat(said).hasValue(0);

    readiness.started();
    problems.add("database: not reachable");
    assertThat(readiness.problems()).containsExactly("database: not reachable");
    assertThat(said).as("a problem left: not said").hasValue(0);

    problems.clear();
    assertThat(readiness.problems()).isEmpty();
    assertThat(said).hasValue(1);
    assertThat(readiness.problems()).isEmpty();
    assertThat(said).as("said once").hasValue(1);
  }
}
