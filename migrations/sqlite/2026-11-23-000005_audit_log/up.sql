-- The audit log: who read or wrote which client data, or signed in, when and from where.
-- Never the payloads. Append-only: the triggers refuse any change or deletion.
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
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
