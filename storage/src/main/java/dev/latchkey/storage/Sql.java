package dev.latchkey.storage;

import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * Runs statements and turns every database failure into a {@link StoreException} that says what was
 * being done.
 */
final class Sql {
  /** SQLSTATE of a unique or primary key violation, the same on H2 and PostgreSQL. */
  private static final String UNIQUE_VIOLATION = "23505";

  private final Jdbi jdbi;

  Sql(Jdbi jdbi) {
    this.jdbi = jdbi;
    // JDBI's messages list the statement's bound values (reasons, emails, audit details); its
    // exceptions are kept
    // as causes and so reach the logs with every stack trace. The database's own words are enough.
    jdbi.getConfig(StatementExceptions.class)
        .setMessageRendering(StatementExceptions.MessageRendering.NONE);
    // The last line of defence for text no store has checked itself: PostgreSQL refuses U+0000 in
    // text while H2
    // stores it, so a NUL would make the two engines behave differently. Stores check their fields
    // first, to
    // name them.
    jdbi.registerArgument(
        new AbstractArgumentFactory<String>(Types.VARCHAR) {
          @Override
          protected Argument build(String value, ConfigRegistry config) {
            if (value.indexOf('\0') >= 0) {
              throw new NulInText(
                  "a text value contains a NUL character (U+0000) at index "
                      + value.indexOf('\0')
                      + ", which the database cannot store");
            }
            return (position, statement, context) -> statement.setString(position, value);
          }
        });
    ColumnTypes.register(jdbi);
  }

  /**
   * {@code value}, if it holds no NUL character (U+0000), which PostgreSQL cannot store in text;
   * otherwise a {@link StoreException} naming the field, before anything reaches the database.
   */
  static String requireNoNul(String what, String field, String value) {
    int nul = value.indexOf('\0');
    if (nul >= 0) {
      throw new StoreException(
          "could not "
              + what
              + ": "
              + field
              + " contains a NUL character (U+0000) at index "
              + nul
              + ", which the database cannot store");
    }
    return value;
  }

  /** Lets queries map rows to {@code type} with {@code mapTo(type)}. */
  <T> void registerRowMapper(Class<T> type, RowMapper<T> mapper) {
    jdbi.registerRowMapper(type, mapper);
  }

  /** The rows {@code query} selects, {@code params} bound by name, each read by {@code mapper}. */
  <T> List<T> list(String what, String query, Map<String, ?> params, RowMapper<T> mapper) {
    return withHandle(what, h -> h.createQuery(query).bindMap(params).map(mapper).list());
  }

  /** The same, each row read by the row mapper registered for {@code type}. */
  <T> List<T> list(String what, String query, Map<String, ?> params, Class<T> type) {
    return withHandle(what, h -> h.createQuery(query).bindMap(params).mapTo(type).list());
  }

  /** Whether {@code countQuery} ({@code SELECT COUNT(*) …}) counts any row. */
  static boolean exists(Handle h, String countQuery, Map<String, ?> params) {
    return h.createQuery(countQuery).bindMap(params).mapTo(Long.class).one() > 0;
  }

  <T> T inTransaction(String what, HandleCallback<T, RuntimeException> callback) {
    try {
      return jdbi.inTransaction(callback);
    } catch (JdbiException | NulInText e) {
      throw failure(what, e);
    }
  }

  <T> T inSnapshot(String what, HandleCallback<T, RuntimeException> callback) {
    try {
      return jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, callback);
    } catch (JdbiException | NulInText e) {
      throw failure(what, e);
    }
  }

  <T> T withHandle(String what, HandleCallback<T, RuntimeException> callback) {
    try {
      return jdbi.withHandle(callback);
    } catch (JdbiException | NulInText e) {
      throw failure(what, e);
    }
  }

  static StoreException failure(String what, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof NulInText nul) {
        return new StoreException("could not " + what + ": " + nul.getMessage(), e);
      }
    }
    return new StoreException("could not " + what + ": " + reason(e), e);
  }

  /** Text with a NUL was about to be bound; refused before it reached the database. */
  private static final class NulInText extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NulInText(String message) {
      super(message);
    }
  }

  /**
   * The database's own words, without the statement and bound values that JDBI adds to its
   * messages. Drivers do not put passwords in their messages; bound values never reach this text.
   */
  static String reason(Throwable e) {
    SQLException sql = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        sql = s;
      }
    }
    if (sql != null) {
      String state = sql.getSQLState() == null ? "" : " [SQLSTATE " + sql.getSQLState() + "]";
      return firstLine(sql.getMessage()) + state;
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + firstLine(root.getMessage()));
  }

  static boolean isUniqueViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && UNIQUE_VIOLATION.equals(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /**
   * Binds {@code value}, or NULL typed as {@code type} when it is empty: PostgreSQL wants to know
   * the type of a NULL, and every row of a batch then binds the column alike (a batch takes its
   * binder from the first row).
   */
  static <S extends SqlStatement<S>, T> S bindOptional(
      S statement, String name, Optional<T> value, Class<T> type) {
    return statement.bindByType(name, value.orElse(null), type);
  }
}
