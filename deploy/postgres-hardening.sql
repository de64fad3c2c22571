-- Optional, PostgreSQL only: Latchkey's everyday role may add audit events but never change or remove them, so
-- not even a compromised Latchkey can rewrite or cut short the audit trail. (The role that owns the tables always
-- can: keep its credentials away from Latchkey.)
--
-- 1. As a superuser (or a role with CREATEROLE), create the everyday role:
--      CREATE ROLE latchkey_app LOGIN PASSWORD '...';
-- 2. Connected to Latchkey's database as the role that owns its tables (the one Latchkey ran its migrations as):
--      psql -v ON_ERROR_STOP=1 -d latchkey -f deploy/postgres-hardening.sql
-- 3. Run Latchkey with LATCHKEY_DB_USER=latchkey_app and LATCHKEY_DB_PASSWORD. A Latchkey version that brings a
--    new migration is started once with the owner's credentials, which runs it, then again as latchkey_app.
--    Run this script again after such an upgrade: it can be run any number of times, and it takes back what the
--    default rights give a new table that Latchkey never changes.
--
-- Latchkey deletes no record, so the everyday role gets no DELETE or TRUNCATE on anything but seen_deliveries
-- (Slack deliveries already handled, forgotten after 15 minutes), and on audit_events no UPDATE either. It keeps UPDATE on audit_head (appending moves the head), which is why the head hash is also
-- logged: see "Audit log" in README.md.
GRANT USAGE ON SCHEMA public TO latchkey_app;
GRANT SELECT, INSERT, UPDATE ON requests, cards, cluster_enablements, audit_head, audit_forwarding TO latchkey_app;
GRANT SELECT, INSERT ON audit_events TO latchkey_app;
-- The gateway's records: a session row is updated once, when it ends; log lines and recording parts never change
-- (a recording's hash is in the audit chain).
GRANT SELECT, INSERT, UPDATE ON gateway_sessions TO latchkey_app;
GRANT SELECT, INSERT ON session_log, recording_parts TO latchkey_app;
REVOKE UPDATE ON session_log, recording_parts FROM latchkey_app;
-- Deliveries already handled: a replay after a restart is recognised; rows older than Slack's window go.
GRANT SELECT, INSERT, DELETE ON seen_deliveries TO latchkey_app;
GRANT SELECT ON audit_format, flyway_schema_history TO latchkey_app;
-- Tables that later migrations create get the everyday rights.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO latchkey_app;
