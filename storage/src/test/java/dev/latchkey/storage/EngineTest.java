package dev.latchkey.storage;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage test that runs on an H2 file by default; {@code PostgresIT} runs the same tests on
 * PostgreSQL by overriding {@link #engine(Path)}.
 */
abstract class EngineTest {
  @TempDir Path dir;
  Engine engine;

  Engine engine(Path dir) throws Exception {
    return Engine.h2(dir);
  }

  @BeforeEach
  final void createEngine() throws Exception {
    engine = engine(dir);
  }

  @AfterEach
  final void dropEngine() throws Exception {
    engine.close();
  }
}
