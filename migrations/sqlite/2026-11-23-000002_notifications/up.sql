-- Notifications: the mail outbox (one row per mail and recipient address, written in the same
-- transaction as what it announces), the reminders already decided (so that none is sent
-- twice), and when a document's mail was first accepted by the SMTP server (配信済).

-- Reminders decided, one row per occasion: the unique key makes a second decision impossible.
CREATE TABLE reminders (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('admission_info_due', 'discharge_notice_due', 'acknowledgement_due', 'acknowledgement_overdue')),
    subject_id  TEXT NOT NULL,
    occasion    TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (kind, subject_id, occasion)
);

-- One mail to one address. Its content is rendered when it is queued and never changes, so a
-- retry sends the same bytes under the same Message-ID.
CREATE TABLE outbox (
    id                 TEXT PRIMARY KEY NOT NULL,
    message_id         TEXT NOT NULL UNIQUE,
    topic              TEXT NOT NULL CHECK (topic IN ('document_sent', 'document_amended', 'admission_info_due', 'discharge_notice_due', 'acknowledgement_due', 'acknowledgement_overdue')),
    document_id        TEXT REFERENCES documents (id),
    document_revision  INTEGER,
    episode_id         TEXT REFERENCES episodes (id),
    reminder_id        TEXT REFERENCES reminders (id),
    facility_id        TEXT NOT NULL REFERENCES facilities (id),
    user_id            TEXT REFERENCES users (id),
    address            TEXT NOT NULL,
    subject            TEXT NOT NULL,
    body_text          TEXT NOT NULL,
    body_html          TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TIMESTAMP NOT NULL,
    lease_until        TIMESTAMP,
    last_error         TEXT,
    created_at         TIMESTAMP NOT NULL,
    delivered_at       TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_document ON outbox (document_id);

ALTER TABLE documents ADD COLUMN delivered_revision INTEGER;
ALTER TABLE documents ADD COLUMN first_delivered_at TIMESTAMP;
