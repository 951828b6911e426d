-- Imported contacts are told apart by what they say (stay, direction, kind, day, method) and by
-- their occurrence among the file's identical rows (`import_seq`: 1, 2, …; NULL for contacts
-- recorded in Renkei), no longer by a text key and a batch tag: one unique index on the stay and
-- that content serves both the lookups by stay (it replaces contacts_episode) and the
-- re-import check, and each contact is about 100 bytes narrower. At millions of imported
-- contacts that is a third less to write (docs/performance.md).
ALTER TABLE contacts ADD COLUMN import_seq INTEGER CHECK (import_seq > 0);
UPDATE contacts SET import_seq = numbered.seq
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY episode_id, direction, kind, contacted_day, method
                                    ORDER BY import_key) AS seq
      FROM contacts WHERE import_key IS NOT NULL) AS numbered
WHERE contacts.id = numbered.id;
ALTER TABLE contacts DROP COLUMN import_key, DROP COLUMN import_batch;
DROP INDEX contacts_episode;
CREATE UNIQUE INDEX contacts_episode_content
    ON contacts (episode_id, direction, kind, (COALESCE(contacted_day, -1)), method, import_seq);

-- Stays imported from files have no client record: the index on client_id holds only the
-- stays that have one.
DROP INDEX episodes_client;
CREATE INDEX episodes_client ON episodes (client_id) WHERE client_id IS NOT NULL;
