-- Imported contacts are told apart by what they say (stay, direction, kind, day, method) and by
-- their occurrence among the file's identical rows (`import_seq`: 1, 2, …; NULL for contacts
-- recorded in Renkei), no longer by a text key and a batch tag: one unique index on the stay and
-- that content serves both the lookups by stay (it replaces contacts_episode) and the
-- re-import check, and each contact is about 100 bytes narrower. At millions of imported
-- contacts that is a third less to write (docs/performance.md).
-- SQLite cannot drop a UNIQUE column, so the table is rebuilt.
CREATE TABLE contacts_narrow (
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
    import_seq        INTEGER CHECK (import_seq > 0),
    created_at        TIMESTAMP NOT NULL
);
INSERT INTO contacts_narrow
SELECT id, episode_id, direction, kind, method, contacted_on, contacted_day, contacted_at, document_id, recorded_by,
       CASE WHEN import_key IS NOT NULL THEN
         ROW_NUMBER() OVER (PARTITION BY episode_id, direction, kind, contacted_day, method, import_key IS NULL
                            ORDER BY import_key)
       END,
       created_at
FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_narrow RENAME TO contacts;
CREATE UNIQUE INDEX contacts_episode_content
    ON contacts (episode_id, direction, kind, COALESCE(contacted_day, -1), method, import_seq);

-- Stays imported from files have no client record: the index on client_id holds only the
-- stays that have one.
DROP INDEX episodes_client;
CREATE INDEX episodes_client ON episodes (client_id) WHERE client_id IS NOT NULL;
