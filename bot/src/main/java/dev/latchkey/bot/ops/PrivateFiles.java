package dev.latchkey.bot.ops;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what Latchkey writes to disk (the H2 database: reasons, emails, approvers, permalinks; the
 * audit file) private to its own user: directories it creates are 0700 and files 0600, whatever the
 * process umask. Java has no umask of its own, and H2 creates its files ({@code .mv.db}, {@code
 * .trace.db}, temporary {@code .temp.db} files for large results) with the process's, so the
 * database's directory is what keeps later files private: nobody else can enter a 0700 directory.
 * On a filesystem without POSIX permissions Latchkey goes on and says so once.
 */
public final class PrivateFiles {
  private static final Logger log = LoggerFactory.getLogger(PrivateFiles.class);
  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final String H2_FILE = "jdbc:h2:file:";

  private PrivateFiles() {}

  /**
   * The file an embedded H2 URL names, without H2's extensions ({@code
   * jdbc:h2:file:./data/latchkey} → {@code ./data/latchkey}); empty for other databases.
   */
  public static Optional<Path> h2Base(String jdbcUrl) {
    String rest;
    if (jdbcUrl.startsWith(H2_FILE)) {
      rest = jdbcUrl.substring(H2_FILE.length());
    } else if (jdbcUrl.startsWith("jdbc:h2:")
        && !jdbcUrl.startsWith("jdbc:h2:mem:")
        && !jdbcUrl.startsWith("jdbc:h2:tcp:")
        && !jdbcUrl.startsWith("jdbc:h2:ssl:")) {
      rest = jdbcUrl.substring("jdbc:h2:".length());
    } else {
      return Optional.empty();
    }
    int options = rest.indexOf(';');
    String file = options < 0 ? rest : rest.substring(0, options);
    if (file.startsWith("~/")) {
      file = System.getProperty("user.home") + file.substring(1);
    }
    return file.isBlank()
        ? Optional.empty()
        : Optional.of(Path.of(file).toAbsolutePath().normalize());
  }

  /** Before H2 opens the file: its directory, created 0700 when missing. */
  public static void prepareDatabase(String jdbcUrl) throws IOException {
    Optional<Path> base = h2Base(jdbcUrl);
    if (base.isPresent() && base.get().getParent() != null) {
      directory(base.get().getParent());
    }
  }

  /** After H2 opened it: the database's files made 0600 ({@code latchkey.mv.db} and the rest). */
  public static void restrictDatabase(String jdbcUrl) throws IOException {
    Optional<Path> base = h2Base(jdbcUrl);
    if (base.isEmpty() || base.get().getParent() == null) {
      return;
    }
    String prefix = base.get().getFileName() + ".";
    try (Stream<Path> files = Files.list(base.get().getParent())) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
        restrict(file, FILE);
      }
    }
  }

  /**
   * A file Latchkey appends to (the audit file): its missing directories created 0700 and the file
   * created 0600; an existing file keeps its mode (it may be shared with a log shipper on purpose),
   * with a warning when every user can read it.
   */
  public static void prepareFile(Path file) throws IOException {
    Path absolute = file.toAbsolutePath();
    if (absolute.getParent() != null && !Files.isDirectory(absolute.getParent())) {
      directory(absolute.getParent());
    }
    try {
      Files.createFile(absolute, attribute(FILE));
    } catch (FileAlreadyExistsException e) {
      warnIfOthersCanRead(absolute);
    } catch (UnsupportedOperationException e) {
      noPosix(absolute);
      Files.createFile(absolute);
    }
  }

  private static void directory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      warnIfOthersCanRead(dir);
      return;
    }
    try {
      Files.createDirectories(dir, attribute(DIRECTORY));
      // createDirectories applies the umask to the mode asked for; set it exactly.
      restrict(dir, DIRECTORY);
    } catch (UnsupportedOperationException e) {
      noPosix(dir);
      Files.createDirectories(dir);
    }
  }

  private static void restrict(Path path, Set<PosixFilePermission> mode) throws IOException {
    try {
      Files.setPosixFilePermissions(path, mode);
    } catch (UnsupportedOperationException e) {
      noPosix(path);
    }
  }

  private static void warnIfOthersCanRead(Path path) throws IOException {
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
      if (mode.contains(PosixFilePermission.OTHERS_READ)
          || mode.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        log.warn(
            "{} is open to every user of this host ({}): chmod o-rwx it, Latchkey keeps access"
                + " records there",
            path,
            PosixFilePermissions.toString(mode));
      }
    } catch (UnsupportedOperationException e) {
      noPosix(path);
    }
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> mode) {
    return PosixFilePermissions.asFileAttribute(mode);
  }

  private static void noPosix(Path path) {
    log.warn(
        "{} is on a filesystem without POSIX permissions: Latchkey cannot make it private to its"
            + " own user; restrict access to it by the filesystem's own means",
        path);
  }
}
