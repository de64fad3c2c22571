package dev.latchkey.storage;

import static dev.latchkey.storage.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {
  @TempDir Path dir;

  private String url() {
    return Engine.h2(dir).url();
  }

  @Test
  void theDefaultIsAnH2FileUnderData() {
    assertThat(Database.DEFAULT_URL).isEqualTo("jdbc:h2:file:./data/latchkey");
  }

  @Test
  void pingAnswersWhileOpenAndNotAfterClose() {
    Database db = Database.builder(url()).clock(new MutableClock(T0)).open();
    assertThat(db.ping()).isTrue();
    assertThat(Files.exists(dir.resolve("latchkey.mv.db"))).isTrue();

    db.close();
    db.close();
    assertThat(db.ping()).isFalse();
  }

  @Test
  void aFailureAfterCloseIsAStoreException() {
    Database db = Database.open(url(), "sa", "", List.of());
    db.close();

    assertThatThrownBy(() -> db.requests().find(TestData.id(1)))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("could not read request " + TestData.id(1) + ": ");
  }

  @Test
  void aWrongPasswordFailsWithoutShowingIt() {
    Database.open(url(), "latchkey", "first-secret-1", List.of()).close();

    assertThatThrownBy(() -> Database.open(url(), "latchkey", "wrong-secret-2", List.of()))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("could not connect to database jdbc:h2:file:")
        .hasMessageNotContaining("first-secret-1")
        .hasMessageNotContaining("wrong-secret-2");
  }

  @Test
  void anUnreachableServerFailsWithoutShowingThePassword() {
    assertThatThrownBy(
            () ->
                Database.open(
                    "jdbc:postgresql://127.0.0.1:1/latchkey?password=hunter2&connectTimeout=2",
                    "latchkey",
                    "hunter3",
                    List.of()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("password=***")
        .hasMessageNotContaining("hunter2")
        .hasMessageNotContaining("hunter3");
  }
}
