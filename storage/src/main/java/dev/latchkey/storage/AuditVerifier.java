package dev.latchkey.storage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.jdbi.v3.core.Jdbi;

/**
 * Checks the audit chain of a database from outside a running Latchkey, changing nothing: no schema
 * migration, no forwarding, connections marked read-only (an H2 file is opened in read-only mode
 * and never created).
 */
public final class AuditVerifier {
  /** H2: the database file does not exist and IFEXISTS=TRUE forbade creating it. */
  private static final int H2_DATABASE_NOT_FOUND = 90146;

  /** H2: the file is locked by another process. */
  private static final int H2_DATABASE_ALREADY_OPEN = 90020;

  private AuditVerifier() {}

  /**
   * Walks the whole chain of the database at {@code jdbcUrl} in one snapshot. Throws {@link
   * StoreException} with a message for people when the database cannot be opened or holds no
   * Latchkey audit log.
   */
  public static AuditVerification verify(String jdbcUrl, String user, String password) {
    String description = JdbcUrls.redact(jdbcUrl);
    String url = H2Urls.readOnly(jdbcUrl);
    String pass = password == null ? "" : password;
    try (Connection probe = DriverManager.getConnection(url, user, pass)) {
      probe.setReadOnly(true);
    } catch (SQLException e) {
      throw new StoreException(
          "could not open database "
              + description
              + (user.isEmpty() ? "" : " as " + user)
              + ": "
              + explain(e),
          e);
    }
    Sql sql =
        new Sql(
            Jdbi.create(
                () -> {
                  Connection c = DriverManager.getConnection(url, user, pass);
                  c.setReadOnly(true);
                  return c;
                }));
    boolean hasAuditLog =
        sql.withHandle(
            "look for the audit log",
            h ->
                h.createQuery(
                            "SELECT COUNT(*) FROM information_schema.tables WHERE LOWER(table_name)"
                                + " = 'audit_head'")
                        .mapTo(Long.class)
                        .one()
                    > 0);
    if (!hasAuditLog) {
      throw new StoreException(
          "database "
              + description
              + " holds no Latchkey audit log (there is no table "
              + "audit_head): check LATCHKEY_DB_URL or database.url");
    }
    return new JdbiAuditLog(sql, new AuditChain(() -> {})).verification();
  }

  private static String explain(SQLException e) {
    String reason = Sql.reason(e);
    if (e.getErrorCode() == H2_DATABASE_NOT_FOUND) {
      return "there is no H2 database at that path (" + reason + ")";
    }
    if (e.getErrorCode() == H2_DATABASE_ALREADY_OPEN) {
      return reason
          + " — an H2 file can be opened by one process at a time: stop Latchkey first, or verify a"
          + " copy of the .mv.db file taken while it was stopped";
    }
    return reason;
  }
}
