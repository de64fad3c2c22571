package dev.latchkey.storage;

import java.util.regex.Pattern;

/** JDBC URLs as they may be shown: anything in them that looks like a secret replaced. */
final class JdbcUrls {
  private static final Pattern SECRET_IN_URL =
      Pattern.compile("(?i)(password|passwd|pwd|sslpassword|sslkey|secret)=[^;&]*");

  private JdbcUrls() {}

  /** The URL with anything that looks like a secret replaced, for messages and logs. */
  static String redact(String jdbcUrl) {
    return SECRET_IN_URL.matcher(jdbcUrl).replaceAll("$1=***");
  }
}
