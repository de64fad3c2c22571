package dev.latchkey.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2UrlsTest {
  @TempDir Path dir;

  @Test
  void anH2FileGetsItsFolderAndSafeDefaults() {
    Path nested = dir.resolve("a/b/latchkey");
    String url = H2Urls.prepare("jdbc:h2:file:" + nested);

    assertThat(nested.getParent()).isDirectory();
    assertThat(url)
        .isEqualTo(
            "jdbc:h2:file:" + nested + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000;WRITE_DELAY=0");
    assertThat(url).doesNotContainIgnoringCase("AUTO_SERVER");
  }

  @Test
  void optionsGivenInTheUrlAreKept() {
    String url = H2Urls.prepare("jdbc:h2:" + dir.resolve("x") + ";lock_timeout=500");

    assertThat(url)
        .isEqualTo(
            "jdbc:h2:"
                + dir.resolve("x")
                + ";lock_timeout=500;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0");
  }

  @Test
  void otherUrlsAreLeftAlone() {
    assertThat(H2Urls.prepare("jdbc:postgresql://db:5432/latchkey"))
        .isEqualTo("jdbc:postgresql://db:5432/latchkey");
    assertThat(H2Urls.prepare("jdbc:h2:mem:test")).isEqualTo("jdbc:h2:mem:test");
  }

  @Test
  void anH2UrlWithoutFilePrefixAndARemoteOneAreTreatedApart() {
    Path bare = dir.resolve("c/latchkey");
    assertThat(H2Urls.prepare("jdbc:h2:" + bare + ";WRITE_DELAY=0"))
        .isEqualTo("jdbc:h2:" + bare + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000");
    assertThat(bare.getParent()).isDirectory();
    assertThat(H2Urls.prepare("jdbc:h2:tcp://db/latchkey")).isEqualTo("jdbc:h2:tcp://db/latchkey");
    assertThat(H2Urls.prepare("JDBC:H2:MEM:x")).isEqualTo("JDBC:H2:MEM:x");
  }

  @Test
  void theUrlAsksH2ForReadOnlyAndNeverToCreate() {
    assertThat(H2Urls.readOnly("jdbc:h2:file:./data/latchkey"))
        .isEqualTo("jdbc:h2:file:./data/latchkey;IFEXISTS=TRUE;ACCESS_MODE_DATA=r");
    assertThat(H2Urls.readOnly("jdbc:h2:file:/d/l;ifexists=false"))
        .isEqualTo("jdbc:h2:file:/d/l;ifexists=false;ACCESS_MODE_DATA=r");
    assertThat(H2Urls.readOnly("jdbc:postgresql://db/latchkey"))
        .isEqualTo("jdbc:postgresql://db/latchkey");
  }

  @Test
  void onlyAnEmbeddedFileNoOtherProcessCanWriteIsOwned() {
    Path file = dir.resolve("latchkey");
    assertThat(owned("jdbc:h2:file:" + file + ";WRITE_DELAY=0")).contains(file);
    assertThat(owned("jdbc:h2:" + dir + "/./x/../latchkey")).contains(file);
    assertThat(owned("JDBC:H2:FILE:" + file)).contains(file);
    assertThat(owned("jdbc:h2:" + file + ";AUTO_SERVER=FALSE;FILE_LOCK=FS")).contains(file);

    for (String shared :
        new String[] {
          "jdbc:h2:file:" + file + ";AUTO_SERVER=TRUE",
          "jdbc:h2:file:" + file + ";write_delay=0;auto_server=true",
          "jdbc:h2:file:" + file + ";AUTO_SERVER=yes",
          "jdbc:h2:file:" + file + ";AUTO_SERVER=1",
          "jdbc:h2:file:" + file + ";AUTO_SERVER=Y",
          "jdbc:h2:file:" + file + ";FILE_LOCK=NO",
          "jdbc:h2:file:" + file + ";FILE_LOCK=whatever",
          "jdbc:h2:tcp://db:9092/latchkey",
          "jdbc:h2:ssl://db/latchkey",
          "jdbc:h2:mem:latchkey",
          "jdbc:h2:file:nioMapped:" + file,
          "jdbc:h2:zip:/backup.zip!/latchkey",
          "jdbc:postgresql://db/latchkey"
        }) {
      assertThat(owned(shared)).as(shared).isEmpty();
    }
  }

  @Test
  void oneFileIsOneFileThroughALinkAndWhateverTheOptions() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    Path file = real.toRealPath().resolve("latchkey");

    assertThat(H2Urls.embeddedFile("jdbc:h2:file:" + link + "/latchkey")).contains(file);
    assertThat(H2Urls.embeddedFile("jdbc:h2:" + real + "/latchkey;AUTO_SERVER=TRUE"))
        .contains(file);
    assertThat(H2Urls.embeddedFile("jdbc:h2:tcp://db/latchkey")).isEmpty();
  }

  /** The file a URL opens when no other process can write it while this one holds it open. */
  private static Optional<Path> owned(String jdbcUrl) {
    return H2Urls.embeddedFile(jdbcUrl).filter(file -> !H2Urls.othersMayWrite(jdbcUrl));
  }
}
