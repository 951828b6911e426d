DROP INDEX episodes_client;
CREATE INDEX episodes_client ON episodes (client_id);

CREATE TABLE contacts_keyed (
    id                TEXT PRIMARY KEY NOT NULL,
    episode_id        TEXT NOT NULL REFERENCES episodes (id),
    direction         TEXT NOT NULL CHECK (direction IN ('cm_to_hospital', 'hospital_to_cm')),
    kind              TEXT NOT NULL CHECK (kind IN ('admission_info', 'admission_notice', 'discharge_notice', 'discharge_conference', 'discharge_referral', 'discharge_record', 'other')),
    method            TEXT NOT NULL CHECK (method IN ('system', 'fax', 'phone', 'visit', 'mail', 'video', 'conference')),
    contacted_on      DATE,
    contacted_day     INTEGER,
    contacted_at      TIMESTAMP,
    document_id       TEXT REFERENCES documents (id),
    recorded_by       TEXT REFERENCES users (id),
    import_key        TEXT UNIQUE,
    import_batch      TEXT,
    created_at        TIMESTAMP NOT NULL
);
INSERT INTO contacts_keyed
SELECT c.id, c.episode_id, c.direction, c.kind, c.method, c.contacted_on, c.contacted_day, c.contacted_at,
       c.document_id, c.recorded_by,
       CASE WHEN c.import_seq IS NOT NULL THEN
         e.external_ref || '|' || c.direction || '|' || c.kind || '|' || COALESCE(c.contacted_on, '') || '|'
           || c.method || '|' || c.import_seq
       END,
       NULL, c.created_at
FROM contacts c JOIN episodes e ON e.id = c.episode_id;
DROP TABLE contacts;
ALTER TABLE contacts_keyed RENAME TO contacts;
CREATE INDEX contacts_episode ON contacts (episode_id);
