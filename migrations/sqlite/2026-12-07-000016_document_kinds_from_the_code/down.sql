-- Back to the six kinds of migration 000014 (the same rebuild): fails while a document of another
-- kind exists.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE documents_rebuilt (
    id                      TEXT PRIMARY KEY NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('admission_info', 'admission_notice', 'discharge_notice', 'discharge_conference', 'discharge_referral', 'discharge_record')),
    episode_id              TEXT NOT NULL REFERENCES episodes (id),
    sender_facility_id      TEXT NOT NULL REFERENCES facilities (id),
    sender_user_id          TEXT NOT NULL REFERENCES users (id),
    recipient_facility_id   TEXT NOT NULL REFERENCES facilities (id),
    current_revision        INTEGER NOT NULL,
    sent_at                 TIMESTAMP NOT NULL,
    read_revision           INTEGER,
    first_read_at           TIMESTAMP,
    acknowledged_at         TIMESTAMP,
    acknowledged_by         TEXT REFERENCES users (id),
    acknowledged_revision   INTEGER,
    delivered_revision      INTEGER,
    first_delivered_at      TIMESTAMP
);
INSERT INTO documents_rebuilt
SELECT id, kind, episode_id, sender_facility_id, sender_user_id, recipient_facility_id, current_revision, sent_at,
       read_revision, first_read_at, acknowledged_at, acknowledged_by, acknowledged_revision, delivered_revision,
       first_delivered_at
FROM documents;
DROP TABLE documents;
ALTER TABLE documents_rebuilt RENAME TO documents;
CREATE INDEX documents_recipient ON documents (recipient_facility_id, sent_at);
CREATE INDEX documents_sender ON documents (sender_facility_id, sent_at);
CREATE INDEX documents_episode ON documents (episode_id);
COMMIT;
PRAGMA foreign_keys = ON;
