-- The session gateway's records: every API request of a grant is a line of its session log, every exec, attach
-- and port-forward stream a session, and every exec and attach session a recording in parts. They live here, not
-- on a pod's disk, so every replica sees them and none is lost with a pod. Conventions as in V1 (instants and
-- durations in BIGINT nanoseconds, lists as JSON text); nothing is ever deleted.
--
-- What one row may hold is bounded: text a client shapes is capped by the store before it is written (and the
-- column sizes hold that cap), a recording part is at most 64 KiB.
--
-- No table here uses an identity column or a sequence: a sequence needs its own grant, beyond the rights that
-- deploy/postgres-hardening.sql gives the tables later migrations create.

-- One line per API request that reached the gateway, forwarded or refused. No foreign key to requests: the line
-- of a refused request may name a grant the records do not hold, and it must not cost the batch it came in.
-- line_order keeps the order a batch gave among lines of the same instant.
CREATE TABLE session_log (
  request_id     VARCHAR(16)   NOT NULL,
  at             BIGINT        NOT NULL,
  line_order     BIGINT        NOT NULL,
  customer       VARCHAR(63)   NOT NULL,
  cluster        VARCHAR(63)   NOT NULL,
  verb           VARCHAR(32)   NOT NULL,
  resource       VARCHAR(256)  NOT NULL,
  namespace      VARCHAR(253),
  name           VARCHAR(253),
  subresource    VARCHAR(64),
  -- JSON array of strings, at most 4096 characters.
  command        VARCHAR(4096) NOT NULL,
  container      VARCHAR(253),
  tty            BOOLEAN       NOT NULL,
  status         INTEGER       NOT NULL,
  bytes          BIGINT        NOT NULL,
  duration_nanos BIGINT        NOT NULL,
  refusal        VARCHAR(512),
  session_id     VARCHAR(15)
);

-- A grant's newest lines first: the index is walked backwards from the grant's last instant.
CREATE INDEX session_log_request_at_idx ON session_log (request_id, at, line_order);

-- One row per stream; the columns after started_at stay NULL until it ends. last_part is the sequence of the
-- recording's last part, so a part must come after it and an ended session takes none.
CREATE TABLE gateway_sessions (
  id                VARCHAR(15)   NOT NULL,
  request_id        VARCHAR(16)   NOT NULL,
  customer          VARCHAR(63)   NOT NULL,
  cluster           VARCHAR(63)   NOT NULL,
  kind              VARCHAR(16)   NOT NULL,
  namespace         VARCHAR(253)  NOT NULL,
  pod               VARCHAR(253)  NOT NULL,
  container         VARCHAR(253),
  command           VARCHAR(4096) NOT NULL,
  tty               BOOLEAN       NOT NULL,
  started_at        BIGINT        NOT NULL,
  last_part         BIGINT,
  ended_at          BIGINT,
  cause             VARCHAR(32),
  bytes_from_client BIGINT,
  bytes_from_server BIGINT,
  recording_bytes   BIGINT,
  recording_sha256  VARCHAR(64),
  CONSTRAINT gateway_sessions_pk PRIMARY KEY (id)
);

-- A grant's sessions (a few; sorted when read). Created before the foreign key, on exactly its column, so H2 uses
-- it for the key instead of adding an index of its own (PostgreSQL adds none).
CREATE INDEX gateway_sessions_request_idx ON gateway_sessions (request_id);

ALTER TABLE gateway_sessions
  ADD CONSTRAINT gateway_sessions_request_fk FOREIGN KEY (request_id) REFERENCES requests (id);

-- A recording as written, part by part; the key writes each part once. Its SHA-256, over the parts joined in
-- sequence order, is in the session's session.ended audit event, which verification compares with these rows.
CREATE TABLE recording_parts (
  session_id VARCHAR(15) NOT NULL,
  seq        BIGINT      NOT NULL,
  content    BYTEA       NOT NULL,
  CONSTRAINT recording_parts_pk PRIMARY KEY (session_id, seq),
  CONSTRAINT recording_parts_session_fk FOREIGN KEY (session_id) REFERENCES gateway_sessions (id),
  CONSTRAINT recording_parts_seq_check CHECK (seq >= 0),
  CONSTRAINT recording_parts_size_check CHECK (OCTET_LENGTH(content) <= 65536)
);
