package dev.latchkey.storage;

import dev.latchkey.core.ClusterRef;
import dev.latchkey.core.CustomerId;
import java.lang.reflect.Type;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.jdbi.v3.core.generic.GenericType;
import org.jdbi.v3.core.mapper.ColumnMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The columns of the current row, read by type through the column mappers {@link ColumnTypes}
 * registered (and Jdbi's own for text, numbers and enums by name). A NULL where a value is required
 * is an error naming the column.
 */
final class Columns {
  private final ResultSet rs;
  private final StatementContext ctx;

  Columns(ResultSet rs, StatementContext ctx) {
    this.rs = rs;
    this.ctx = ctx;
  }

  <T> T get(String column, Class<T> type) throws SQLException {
    return required(column, read(column, type, type));
  }

  <T> T get(String column, GenericType<T> type) throws SQLException {
    return required(column, read(column, type.getType(), type));
  }

  <T> Optional<T> optional(String column, Class<T> type) throws SQLException {
    return Optional.ofNullable(read(column, type, type));
  }

  /** The cluster a row names, by its {@code customer} and {@code cluster} columns. */
  ClusterRef cluster() throws SQLException {
    return new ClusterRef(get("customer", CustomerId.class), get("cluster", String.class));
  }

  private <T> T read(String column, Type type, Object name) throws SQLException {
    @SuppressWarnings("unchecked")
    ColumnMapper<T> mapper =
        (ColumnMapper<T>)
            ctx.findColumnMapperFor(type)
                .orElseThrow(() -> new IllegalStateException("no column mapper for " + name));
    return mapper.map(rs, column, ctx);
  }

  private static <T> T required(String column, T value) {
    if (value == null) {
      throw new IllegalArgumentException(column + " is NULL");
    }
    return value;
  }
}
