-- Slack deliveries already handled (an event id, a trigger id, or for a request that carries neither its
-- signature), so that a signed request delivered again — Slack's retry, a replica that did not see the first
-- one, a request captured and replayed after a restart — is acknowledged without a second effect. The primary
-- key makes "seen before?" one atomic insert on every engine: of two processes inserting the same key, one
-- succeeds and the other is told it was seen. seen_at is epoch nanoseconds, as in requests. Unlike every other
-- table, rows here are deleted once older than the window in which Slack's signature check still accepts the
-- same request (Latchkey keeps them 15 minutes).
CREATE TABLE seen_deliveries (
  delivery_key VARCHAR(200) NOT NULL,
  seen_at      BIGINT       NOT NULL,
  CONSTRAINT seen_deliveries_pk PRIMARY KEY (delivery_key)
);

CREATE INDEX seen_deliveries_seen_at_idx ON seen_deliveries (seen_at);
