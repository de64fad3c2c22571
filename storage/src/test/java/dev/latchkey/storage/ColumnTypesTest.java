package dev.latchkey.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.core.Actor;
import dev.latchkey.core.Approval;
import dev.latchkey.core.DecisionMethod;
import dev.latchkey.core.RequestId;
import dev.latchkey.core.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Values bound and read back through the types registered once, and the text they are stored as.
 */
class ColumnTypesTest {
  static final Instant AT = Instant.parse("2026-03-01T10:15:30.123456789Z");
  static final Actor.SlackUser ALICE = new Actor.SlackUser("T1", "U1");

  private Handle h;

  @BeforeEach
  void open() {
    Jdbi jdbi = Jdbi.create("jdbc:h2:mem:column-types;DB_CLOSE_DELAY=-1");
    new Sql(jdbi);
    h = jdbi.open();
    h.execute(
        "CREATE TABLE t (at BIGINT, actor VARCHAR(200), id VARCHAR(40), scope VARCHAR(200),"
            + " approvals VARCHAR(400), roles VARCHAR(200), texts VARCHAR(200), span VARCHAR(40))");
  }

  @AfterEach
  void close() {
    h.execute("DROP TABLE t");
    h.close();
  }

  @Test
  void valuesAreStoredInTheirOneFormAndReadBackAsTheyWere() {
    List<Approval> approvals = List.of(new Approval(ALICE, AT, DecisionMethod.BUTTON));
    h.createUpdate(
            "INSERT INTO t VALUES (:at, :actor, :id, :scope, :approvals, :roles, :texts, :span)")
        .bind("at", AT)
        .bind("actor", ALICE)
        .bind("id", new RequestId("ar-00000001"))
        .bind("scope", new Scope.Namespaces(List.of("a", "b")))
        .bindByType("approvals", approvals, ColumnTypes.APPROVALS)
        .bindByType("roles", Set.of("operator", "admin", "readonly"), ColumnTypes.ROLES)
        .bindByType("texts", List.of("ls", "-la"), ColumnTypes.TEXTS)
        .bind("span", Duration.ofMinutes(90))
        .execute();

    Map<String, Object> raw = h.createQuery("SELECT * FROM t").mapToMap().one();
    assertThat(raw)
        .containsEntry("at", 1_772_360_130_123_456_789L)
        .containsEntry("actor", "slack:T1/U1")
        .containsEntry("id", "ar-00000001")
        .containsEntry("scope", "{\"kind\":\"namespaces\",\"names\":[\"a\",\"b\"]}")
        .containsEntry(
            "approvals",
            "[{\"approver\":\"slack:T1/U1\",\"at\":\"2026-03-01T10:15:30.123456789Z\","
                + "\"method\":\"BUTTON\"}]")
        .containsEntry("roles", "[\"admin\",\"operator\",\"readonly\"]")
        .containsEntry("texts", "[\"ls\",\"-la\"]")
        .containsEntry("span", "PT1H30M");

    h.createQuery("SELECT * FROM t")
        .map(
            (rs, ctx) -> {
              Columns c = new Columns(rs, ctx);
              assertThat(c.get("at", Instant.class)).isEqualTo(AT);
              assertThat(c.get("actor", Actor.class)).isEqualTo(ALICE);
              assertThat(c.get("id", RequestId.class)).isEqualTo(new RequestId("ar-00000001"));
              assertThat(c.get("scope", Scope.class))
                  .isEqualTo(new Scope.Namespaces(List.of("a", "b")));
              assertThat(c.get("approvals", ColumnTypes.APPROVALS)).isEqualTo(approvals);
              assertThat(c.get("roles", ColumnTypes.ROLES))
                  .containsExactlyInAnyOrder("admin", "operator", "readonly");
              assertThat(c.get("texts", ColumnTypes.TEXTS)).containsExactly("ls", "-la");
              assertThat(c.get("span", Duration.class)).isEqualTo(Duration.ofMinutes(90));
              return true;
            })
        .one();
  }

  @Test
  void anEmptyOptionalIsATypedNullAndReadsBackEmpty() {
    var insert = h.createUpdate("INSERT INTO t (at, actor) VALUES (:at, :actor)");
    Sql.bindOptional(insert, "at", Optional.empty(), Instant.class);
    Sql.bindOptional(insert, "actor", Optional.empty(), Actor.class);
    insert.execute();

    h.createQuery("SELECT at, actor FROM t")
        .map(
            (rs, ctx) -> {
              Columns c = new Columns(rs, ctx);
              assertThat(c.optional("at", Instant.class)).isEmpty();
              assertThat(c.optional("actor", Actor.class)).isEmpty();
              assertThatThrownBy(() -> c.get("at", Instant.class)).hasMessage("at is NULL");
              return true;
            })
        .one();
  }

  @Test
  void theSystemActorsAndInstantsBeforeTheEpochKeepTheirForm() {
    assertThat(ColumnTypes.actor("system")).isEqualTo(Actor.SYSTEM);
    assertThat(ColumnTypes.actor("cluster")).isEqualTo(Actor.CLUSTER);
    assertThatThrownBy(() -> ColumnTypes.actor("slack:T1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an actor: slack:T1");
    Instant before = Instant.parse("1969-12-31T23:59:59.999999999Z");
    assertThat(ColumnTypes.nanos(before)).isEqualTo(-1L);
    assertThat(ColumnTypes.instant(-1L)).isEqualTo(before);
  }

  @Test
  void aNulInsideJsonTextIsEscapedAndPlainTextWithOneIsRefused() {
    h.createUpdate("INSERT INTO t (texts) VALUES (:texts)")
        .bindByType("texts", List.of("a\u0000"), ColumnTypes.TEXTS)
        .execute();
    assertThat(h.createQuery("SELECT texts FROM t").mapTo(String.class).one())
        .isEqualTo("[\"a\\u0000\"]");
    var customer =
        h.createUpdate("INSERT INTO t (id) VALUES (:id)").bindByType("id", "x\u0000", String.class);
    assertThatThrownBy(customer::execute).hasStackTraceContaining("NUL character");
  }
}
