package dev.latchkey.storage;

import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The storage tests again on PostgreSQL, to keep the schema and SQL portable. Opt-in: set {@code
 * LATCHKEY_TEST_POSTGRES_URL} (e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres}) and, if
 * needed, {@code LATCHKEY_TEST_POSTGRES_USER} / {@code LATCHKEY_TEST_POSTGRES_PASSWORD} for an
 * account that may create databases; each test gets a fresh database, dropped afterwards.
 */
@EnabledIfEnvironmentVariable(named = Engine.POSTGRES_URL, matches = ".+")
class PostgresIT {

  @Nested
  class Requests extends RequestStoreTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Race extends ApprovalRaceTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Due extends FindDueTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class RestartAndTamper extends RestartAndTamperTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Audit extends AuditLogTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Forwarding extends AuditForwardingTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Enablements extends EnablementStoreTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class LockOrder extends LockOrderTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class VerifyWhileAppending extends VerifyWhileAppendingTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Cards extends CardStoreTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class CanonicalForm extends AuditCanonicalFormTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Verifier extends AuditVerifierTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Deliveries extends SeenDeliveriesTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Hardening extends PostgresHardeningTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Sessions extends SessionStoreTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }

  @Nested
  class Recordings extends RecordingVerificationTest {
    @Override
    Engine engine(Path dir) throws Exception {
      return Engine.postgres();
    }
  }
}
