-- Ids compared byte by byte. Every id (the text of a UUID) and every column that names one,
-- and the codes of a contact's content (direction, kind, method), take the "C" collation
-- instead of the database's: they are ASCII, compared for equality and sorted only to build
-- indexes, and their order is the same either way. Under a language's collation PostgreSQL
-- compares text through the C library and cannot sort by abbreviated keys; under "C" it
-- compares bytes. Building the contacts' primary key and content index after a large import,
-- and finding each stay by its id, take up to a fifth less time (docs/performance.md).
-- PostgreSQL builds again the indexes on these columns; the rows are not rewritten.
ALTER TABLE facilities
  ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE contact_windows
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN facility_id TYPE text COLLATE "C";
ALTER TABLE users
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN facility_id TYPE text COLLATE "C";
ALTER TABLE api_tokens
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE clients
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN care_office_id TYPE text COLLATE "C",
  ALTER COLUMN care_manager_id TYPE text COLLATE "C";
ALTER TABLE episodes
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN client_id TYPE text COLLATE "C",
  ALTER COLUMN hospital_id TYPE text COLLATE "C",
  ALTER COLUMN care_office_id TYPE text COLLATE "C",
  ALTER COLUMN care_manager_id TYPE text COLLATE "C",
  ALTER COLUMN created_by TYPE text COLLATE "C";
ALTER TABLE episode_parties
  ALTER COLUMN episode_id TYPE text COLLATE "C",
  ALTER COLUMN facility_id TYPE text COLLATE "C";
ALTER TABLE documents
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN episode_id TYPE text COLLATE "C",
  ALTER COLUMN sender_facility_id TYPE text COLLATE "C",
  ALTER COLUMN sender_user_id TYPE text COLLATE "C",
  ALTER COLUMN recipient_facility_id TYPE text COLLATE "C",
  ALTER COLUMN acknowledged_by TYPE text COLLATE "C";
ALTER TABLE document_revisions
  ALTER COLUMN document_id TYPE text COLLATE "C",
  ALTER COLUMN created_by TYPE text COLLATE "C";
ALTER TABLE contacts
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN episode_id TYPE text COLLATE "C",
  ALTER COLUMN direction TYPE text COLLATE "C",
  ALTER COLUMN kind TYPE text COLLATE "C",
  ALTER COLUMN method TYPE text COLLATE "C",
  ALTER COLUMN document_id TYPE text COLLATE "C",
  ALTER COLUMN recorded_by TYPE text COLLATE "C";
ALTER TABLE reminders
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN subject_id TYPE text COLLATE "C";
ALTER TABLE outbox
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN document_id TYPE text COLLATE "C",
  ALTER COLUMN episode_id TYPE text COLLATE "C",
  ALTER COLUMN reminder_id TYPE text COLLATE "C",
  ALTER COLUMN facility_id TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE idempotency_keys
  ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE audit_log
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C",
  ALTER COLUMN facility_id TYPE text COLLATE "C",
  ALTER COLUMN target_id TYPE text COLLATE "C";
ALTER TABLE web_sessions
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE drafts
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN facility_id TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C",
  ALTER COLUMN episode_id TYPE text COLLATE "C",
  ALTER COLUMN client_id TYPE text COLLATE "C",
  ALTER COLUMN recipient_facility_id TYPE text COLLATE "C",
  ALTER COLUMN amends_document_id TYPE text COLLATE "C";
