-- From this version on an audit row's hash covers the exact UTF-8 bytes of its content, and text without a UTF-8
-- form (an unpaired surrogate) can no longer be written. Earlier versions hashed such a character as '?'. Rows
-- before strict_from were written by those versions and are verified the way they were hashed; every row from
-- strict_from on must hash over its exact bytes. For any other text both ways give the same hash.
CREATE TABLE audit_format (
  id          INTEGER NOT NULL,
  strict_from BIGINT  NOT NULL,
  CONSTRAINT audit_format_pk PRIMARY KEY (id),
  CONSTRAINT audit_format_single CHECK (id = 1)
);

INSERT INTO audit_format (id, strict_from) SELECT 1, seq + 1 FROM audit_head WHERE id = 1;
