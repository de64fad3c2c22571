-- Latchkey schema. The same file runs on H2 (2.x) and PostgreSQL: only portable SQL here.
--
-- Conventions:
--   * Instants in requests, cards and cluster_enablements are BIGINT nanoseconds since the epoch (UTC). They
--     round-trip exactly (a Clock may give nanoseconds; PostgreSQL timestamps keep only microseconds), compare
--     and index as plain numbers on both engines.
--   * Instants in audit_events are ISO-8601 text, exactly the form that is hashed.
--   * Structured values (scope, approvals, roles, details) are JSON text.
--   * Nothing is ever deleted.

CREATE TABLE requests (
  id                 VARCHAR(16)  NOT NULL,
  kind               VARCHAR(16)  NOT NULL,
  extends_request    VARCHAR(16),
  customer           VARCHAR(63)  NOT NULL,
  cluster            VARCHAR(63)  NOT NULL,
  role               VARCHAR(63)  NOT NULL,
  scope              VARCHAR      NOT NULL,
  credentials        VARCHAR(16)  NOT NULL,
  requester_team     VARCHAR(32)  NOT NULL,
  requester_user     VARCHAR(32)  NOT NULL,
  requester_email    VARCHAR(320),
  reason             VARCHAR      NOT NULL,
  duration           VARCHAR(64)  NOT NULL,
  created_at         BIGINT       NOT NULL,
  pending_expires_at BIGINT       NOT NULL,
  approvals_required INTEGER      NOT NULL,
  approvals          VARCHAR      NOT NULL,
  state              VARCHAR(16)  NOT NULL,
  decided_at         BIGINT,
  decided_by         VARCHAR(80),
  granted_at         BIGINT,
  expires_at         BIGINT,
  ended_at           BIGINT,
  ended_by           VARCHAR(80),
  failure            VARCHAR,
  grant_present      BOOLEAN      NOT NULL,
  attempts           INTEGER      NOT NULL,
  next_attempt_at    BIGINT,
  reminder_sent      BOOLEAN      NOT NULL,
  version            BIGINT       NOT NULL,
  -- AccessRequest.dueAt(), NULL when the timers never need to look again.
  due_at             BIGINT,
  -- When this row last changed (the store's clock), for repairing cards oldest change first.
  changed_at         BIGINT       NOT NULL,
  -- TRUE while the request has no card or its card shows an older version than this row.
  card_outdated      BOOLEAN      NOT NULL,
  CONSTRAINT requests_pk PRIMARY KEY (id)
);

CREATE INDEX requests_due_at_idx ON requests (due_at);
CREATE INDEX requests_customer_state_idx ON requests (customer, state);
CREATE INDEX requests_cluster_state_idx ON requests (customer, cluster, state);
CREATE INDEX requests_extends_idx ON requests (extends_request);
CREATE INDEX requests_grant_present_idx ON requests (grant_present, state);
CREATE INDEX requests_card_outdated_idx ON requests (card_outdated, changed_at);

-- The hash chain: hash = sha256_hex(prev_hash || canonical JSON of the event).
CREATE TABLE audit_events (
  seq        BIGINT       NOT NULL,
  at         VARCHAR(64)  NOT NULL,
  actor      VARCHAR(80)  NOT NULL,
  customer   VARCHAR(63),
  request_id VARCHAR(16),
  action     VARCHAR(64)  NOT NULL,
  result     VARCHAR(16)  NOT NULL,
  details    VARCHAR      NOT NULL,
  prev_hash  VARCHAR(64)  NOT NULL,
  hash       VARCHAR(64)  NOT NULL,
  CONSTRAINT audit_events_pk PRIMARY KEY (seq)
);

CREATE INDEX audit_events_request_idx ON audit_events (request_id, seq);
CREATE INDEX audit_events_customer_idx ON audit_events (customer, seq);

-- One row: the end of the chain. Appending transactions lock it (SELECT ... FOR UPDATE), which serializes
-- appends across threads and across processes sharing the database.
CREATE TABLE audit_head (
  id   INTEGER     NOT NULL,
  seq  BIGINT      NOT NULL,
  hash VARCHAR(64) NOT NULL,
  CONSTRAINT audit_head_pk PRIMARY KEY (id),
  CONSTRAINT audit_head_single CHECK (id = 1)
);

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE cluster_enablements (
  customer   VARCHAR(63) NOT NULL,
  cluster    VARCHAR(63) NOT NULL,
  enabled    BOOLEAN     NOT NULL,
  roles      VARCHAR     NOT NULL,
  changed_at BIGINT,
  changed_by VARCHAR(80),
  CONSTRAINT cluster_enablements_pk PRIMARY KEY (customer, cluster)
);

-- The Slack message of each request; shown_version is -1 until a version is confirmed shown.
CREATE TABLE cards (
  request_id    VARCHAR(16) NOT NULL,
  channel_id    VARCHAR(64) NOT NULL,
  ts            VARCHAR(64) NOT NULL,
  shown_version BIGINT      NOT NULL,
  CONSTRAINT cards_pk PRIMARY KEY (request_id),
  CONSTRAINT cards_message_uq UNIQUE (channel_id, ts),
  CONSTRAINT cards_request_fk FOREIGN KEY (request_id) REFERENCES requests (id)
);
