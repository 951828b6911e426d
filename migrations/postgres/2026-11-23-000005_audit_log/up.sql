-- The audit log: who read or wrote which client data, or signed in, when and from where.
-- Never the payloads. Append-only: the trigger refuses any change or deletion.
CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY NOT NULL,
    at             TIMESTAMP NOT NULL,
    user_id        TEXT REFERENCES users (id),
    facility_id    TEXT REFERENCES facilities (id),
    action         TEXT NOT NULL CHECK (action IN ('read', 'write', 'refused', 'sign_in', 'sign_in_failed')),
    method         TEXT NOT NULL,
    route          TEXT NOT NULL,
    target_id      TEXT,
    status         INTEGER NOT NULL,
    remote_addr    TEXT,
    forwarded_for  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
CREATE INDEX audit_log_target ON audit_log (target_id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
