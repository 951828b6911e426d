DROP INDEX episodes_client;
CREATE INDEX episodes_client ON episodes (client_id);

ALTER TABLE contacts ADD COLUMN import_key TEXT UNIQUE, ADD COLUMN import_batch TEXT;
UPDATE contacts SET import_key = e.external_ref || '|' || contacts.direction || '|' || contacts.kind || '|'
    || COALESCE(to_char(contacts.contacted_on, 'YYYY-MM-DD'), '') || '|' || contacts.method || '|' || contacts.import_seq
FROM episodes e
WHERE e.id = contacts.episode_id AND contacts.import_seq IS NOT NULL;
DROP INDEX contacts_episode_content;
ALTER TABLE contacts DROP COLUMN import_seq;
CREATE INDEX contacts_episode ON contacts (episode_id);
