-- Audit forwarding is at-least-once: for each sink (by name: "stdout", "file:/abs/path", ...) the last sequence
-- number it has received. Forwarders read events after it in sequence order, write them, and move it on in the
-- same transaction; the row lock serializes forwarders of one sink across threads and processes. A sink seen for
-- the first time starts at the chain head of that moment. Rows are never deleted: a sink configured again resumes
-- where it stopped.
CREATE TABLE audit_forwarding (
  sink VARCHAR(1024) NOT NULL,
  seq  BIGINT        NOT NULL,
  CONSTRAINT audit_forwarding_pk PRIMARY KEY (sink)
);
