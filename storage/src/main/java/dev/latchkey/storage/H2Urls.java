package dev.latchkey.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * H2 URLs as Latchkey opens them: a file database gets its folder and safe options ({@link
 * #prepare}); verification opens one read-only ({@link #readOnly}). An option given in the URL is
 * never overridden. Other URLs pass through as they are.
 */
final class H2Urls {
  private static final String H2 = "jdbc:h2:";

  /**
   * DB_CLOSE_ON_EXIT=FALSE: {@link Database} closes it, after the pool. WRITE_DELAY=0: a commit is
   * on disk when it returns; H2's default (500 ms) would let a crash or SIGKILL undo decisions and
   * revocations already reported to people and to the audit pipeline.
   */
  private static final List<String> FILE_DEFAULTS =
      List.of("DB_CLOSE_ON_EXIT=FALSE", "LOCK_TIMEOUT=10000", "WRITE_DELAY=0");

  /** Open the file read-only, and never create it. */
  private static final List<String> READ_ONLY = List.of("IFEXISTS=TRUE", "ACCESS_MODE_DATA=r");

  private static final Pattern OTHER_FILE_SYSTEM = Pattern.compile("[A-Za-z][A-Za-z0-9]+:");
  private static final Set<String> OFF = Set.of("FALSE", "0", "NO", "N", "F", "OFF");
  private static final Set<String> LOCKING = Set.of("FILE", "FS", "SOCKET");

  private H2Urls() {}

  /**
   * For an H2 file URL: creates the folder of the database file and adds the default options not
   * given. Other URLs are returned as they are.
   */
  static String prepare(String jdbcUrl) {
    if (!isH2(jdbcUrl)) {
      return jdbcUrl;
    }
    String location = location(jdbcUrl);
    String lower = location.toLowerCase(Locale.ROOT);
    if (lower.startsWith("mem:")
        || lower.startsWith("tcp:")
        || lower.startsWith("ssl:")
        || lower.startsWith("zip:")) {
      return jdbcUrl;
    }
    Path parent = Path.of(localPath(location)).toAbsolutePath().getParent();
    if (parent != null) {
      try {
        Files.createDirectories(parent);
      } catch (IOException e) {
        throw new StoreException(
            "could not create the database folder " + parent + ": " + e.getMessage(), e);
      }
    }
    return withMissing(jdbcUrl, FILE_DEFAULTS);
  }

  /**
   * The URL with H2 told to open the file read-only and never to create it; other URLs as they are.
   */
  static String readOnly(String jdbcUrl) {
    return isH2(jdbcUrl) ? withMissing(jdbcUrl, READ_ONLY) : jdbcUrl;
  }

  /**
   * The file an embedded H2 URL opens, whatever its options: two URLs naming one file open one
   * database in this process. Empty for H2 in memory or over the network and other databases.
   */
  static Optional<Path> embeddedFile(String jdbcUrl) {
    if (!isH2(jdbcUrl)) {
      return Optional.empty();
    }
    String path = localPath(location(jdbcUrl));
    // mem:, tcp:, ssl:, zip:, nio…:, split:, async: … are other places than this process's file.
    if (OTHER_FILE_SYSTEM.matcher(path).lookingAt()) {
      return Optional.empty();
    }
    Path file = Path.of(path).toAbsolutePath().normalize();
    Path folder = file.getParent();
    try {
      return Optional.of(folder == null ? file : folder.toRealPath().resolve(file.getFileName()));
    } catch (IOException e) {
      return Optional.of(file); // no folder yet: no link to resolve either
    }
  }

  /**
   * Whether the URL lets other processes write its database: {@code AUTO_SERVER} switched on (H2
   * reads {@code TRUE}, {@code 1}, {@code YES} … as on) or a {@code FILE_LOCK} that locks nothing.
   */
  static boolean othersMayWrite(String jdbcUrl) {
    if (!isH2(jdbcUrl)) {
      return true;
    }
    String[] parts = jdbcUrl.split(";");
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = parts[i].substring(0, eq).trim().toUpperCase(Locale.ROOT);
      String value = parts[i].substring(eq + 1).trim().toUpperCase(Locale.ROOT);
      if (key.equals("AUTO_SERVER") && !OFF.contains(value)) {
        return true;
      }
      if (key.equals("FILE_LOCK") && !LOCKING.contains(value)) {
        return true;
      }
    }
    return false;
  }

  /** What names the database: the URL after {@code jdbc:h2:}, up to its options. */
  private static String location(String jdbcUrl) {
    String rest = jdbcUrl.substring(H2.length());
    int semicolon = rest.indexOf(';');
    return semicolon < 0 ? rest : rest.substring(0, semicolon);
  }

  /** A location as a path: without {@code file:}, and {@code ~} as the user's home. */
  private static String localPath(String location) {
    String path =
        location.regionMatches(true, 0, "file:", 0, "file:".length())
            ? location.substring("file:".length())
            : location;
    return path.startsWith("~") ? System.getProperty("user.home") + path.substring(1) : path;
  }

  private static boolean isH2(String jdbcUrl) {
    return jdbcUrl.regionMatches(true, 0, H2, 0, H2.length());
  }

  /** {@code jdbcUrl} with each of {@code options} whose key it does not give yet appended. */
  private static String withMissing(String jdbcUrl, List<String> options) {
    // The location ends at the first semicolon, so ";KEY=" can only be a given option.
    String given = jdbcUrl.toUpperCase(Locale.ROOT) + ";";
    StringBuilder url = new StringBuilder(jdbcUrl);
    for (String option : options) {
      String key = option.substring(0, option.indexOf('=') + 1).toUpperCase(Locale.ROOT);
      if (!given.contains(";" + key)) {
        url.append(';').append(option);
      }
    }
    return url.toString();
  }
}
