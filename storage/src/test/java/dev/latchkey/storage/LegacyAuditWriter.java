package dev.latchkey.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;

/**
 * How the first version wrote audit rows, kept here to prove that databases it wrote still verify:
 * details stored as Jackson wrote the map (a null value as JSON null), the hash taken over a
 * re-serialisation of the parsed details, and the text turned into bytes with {@code
 * getBytes(UTF_8)} (an unpaired surrogate became {@code ?}).
 */
final class LegacyAuditWriter {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private LegacyAuditWriter() {}

  /** The schema as the first version left it: migration V1 only. */
  static void createV1Schema(Engine engine) {
    Flyway.configure()
        .dataSource(H2Urls.prepare(engine.url()), engine.user(), engine.password())
        .locations("classpath:db/migration")
        .target("1")
        .load()
        .migrate();
  }

  /** One event, exactly as the first version's {@code AuditChain.append} wrote it. */
  record Row(
      String at,
      String actor,
      String customer,
      String requestId,
      String action,
      String result,
      Map<String, String> details) {}

  static void append(Engine engine, Row row) throws Exception {
    try (Connection c = engine.connect()) {
      c.setAutoCommit(false);
      long seq;
      String previous;
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")) {
        rs.next();
        seq = rs.getLong(1) + 1;
        previous = rs.getString(2);
      }
      String hash = hash(previous, canonical(seq, row));
      try (PreparedStatement insert =
          c.prepareStatement(
              "INSERT INTO audit_events (seq, at, actor, customer, request_id, action, result,"
                  + " details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        insert.setLong(1, seq);
        insert.setString(2, row.at());
        insert.setString(3, row.actor());
        setText(insert, 4, row.customer());
        setText(insert, 5, row.requestId());
        insert.setString(6, row.action());
        insert.setString(7, row.result());
        insert.setString(8, details(row.details()));
        insert.setString(9, previous);
        insert.setString(10, hash);
        insert.executeUpdate();
      }
      try (PreparedStatement head =
          c.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
        head.setLong(1, seq);
        head.setString(2, hash);
        head.executeUpdate();
      }
      c.commit();
    }
  }

  /** The first version's {@code Codec.details(Map)}. */
  static String details(Map<String, String> details) throws Exception {
    ObjectNode node = MAPPER.createObjectNode();
    new TreeMap<>(details).forEach(node::put);
    return MAPPER.writeValueAsString(node);
  }

  /** The first version's canonical form: details written field by field from the sorted map. */
  static String canonical(long seq, Row c) throws Exception {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("action", c.action());
      g.writeStringField("actor", c.actor());
      g.writeStringField("at", c.at());
      g.writeStringField("customer", c.customer());
      g.writeObjectFieldStart("details");
      for (Map.Entry<String, String> detail : new TreeMap<>(c.details()).entrySet()) {
        g.writeStringField(detail.getKey(), detail.getValue());
      }
      g.writeEndObject();
      g.writeStringField("request_id", c.requestId());
      g.writeStringField("result", c.result());
      g.writeNumberField("seq", seq);
      g.writeEndObject();
    }
    return out.toString();
  }

  static String hash(String previous, String canonical) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256")
                .digest((previous + canonical).getBytes(StandardCharsets.UTF_8)));
  }

  private static void setText(PreparedStatement s, int index, String value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.VARCHAR);
    } else {
      s.setString(index, value);
    }
  }
}
