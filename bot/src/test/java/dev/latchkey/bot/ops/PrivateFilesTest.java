package dev.latchkey.bot.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.storage.Database;
import dev.latchkey.storage.JsonLinesAuditSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On this (POSIX) machine: the database and the audit file are for Latchkey's user only. */
class PrivateFilesTest {
  @TempDir Path dir;

  @Test
  void theDatabaseDirectoryIs0700AndItsFiles0600() throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("data/latchkey") + ";TRACE_LEVEL_FILE=1";
    PrivateFiles.prepareDatabase(url);
    try (Database database = Database.builder(url).sinks(List.of()).open()) {
      PrivateFiles.restrictDatabase(url);
      assertThat(mode(dir.resolve("data"))).isEqualTo("rwx------");
      try (Stream<Path> files = Files.list(dir.resolve("data"))) {
        assertThat(files.toList())
            .isNotEmpty()
            .anySatisfy(f -> assertThat(f.getFileName().toString()).isEqualTo("latchkey.mv.db"))
            .allSatisfy(f -> assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------"));
      }
    }
  }

  @Test
  void theAuditFileIs0600InDirectoriesCreated0700() throws Exception {
    Path audit = dir.resolve("log/latchkey/audit.jsonl");
    PrivateFiles.prepareFile(audit);
    new JsonLinesAuditSink(audit).close();
    assertThat(mode(audit)).isEqualTo("rw-------");
    assertThat(mode(dir.resolve("log/latchkey"))).isEqualTo("rwx------");
    assertThat(mode(dir.resolve("log"))).isEqualTo("rwx------");
  }

  @Test
  void onlyEmbeddedH2UrlsNameAFile() {
    assertThat(PrivateFiles.h2Base("jdbc:h2:file:./data/latchkey;LOCK_TIMEOUT=10000"))
        .contains(Path.of("data/latchkey").toAbsolutePath());
    assertThat(PrivateFiles.h2Base("jdbc:h2:mem:x")).isEmpty();
    assertThat(PrivateFiles.h2Base("jdbc:h2:tcp://db/latchkey")).isEmpty();
    assertThat(PrivateFiles.h2Base("jdbc:postgresql://db:5432/latchkey")).isEmpty();
  }

  private static String mode(Path path) {
    try {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
