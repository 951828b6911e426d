-- The web application: passwords for people (API tokens stay for machines), sign-in sessions
-- behind an HttpOnly cookie, and drafts of forms not yet sent.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- A session is known by the SHA-256 of its cookie's secret; `csrf_token` is the secret every
-- form of the session must carry back.
CREATE TABLE web_sessions (
    id           TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- A form being written: not validated, not sent, seen only by the facility writing it.
CREATE TABLE drafts (
    id                     TEXT PRIMARY KEY,
    facility_id            TEXT NOT NULL REFERENCES facilities (id),
    user_id                TEXT NOT NULL REFERENCES users (id),
    kind                   TEXT NOT NULL,
    schema_version         INTEGER NOT NULL,
    episode_id             TEXT REFERENCES episodes (id),
    client_id              TEXT REFERENCES clients (id),
    recipient_facility_id  TEXT REFERENCES facilities (id),
    amends_document_id     TEXT REFERENCES documents (id),
    payload                TEXT NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL
);
CREATE INDEX drafts_facility ON drafts (facility_id, updated_at);
