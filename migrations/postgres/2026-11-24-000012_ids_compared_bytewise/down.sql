ALTER TABLE facilities
  ALTER COLUMN id TYPE text COLLATE "default";
ALTER TABLE contact_windows
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN facility_id TYPE text COLLATE "default";
ALTER TABLE users
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN facility_id TYPE text COLLATE "default";
ALTER TABLE api_tokens
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN user_id TYPE text COLLATE "default";
ALTER TABLE clients
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN care_office_id TYPE text COLLATE "default",
  ALTER COLUMN care_manager_id TYPE text COLLATE "default";
ALTER TABLE episodes
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN client_id TYPE text COLLATE "default",
  ALTER COLUMN hospital_id TYPE text COLLATE "default",
  ALTER COLUMN care_office_id TYPE text COLLATE "default",
  ALTER COLUMN care_manager_id TYPE text COLLATE "default",
  ALTER COLUMN created_by TYPE text COLLATE "default";
ALTER TABLE episode_parties
  ALTER COLUMN episode_id TYPE text COLLATE "default",
  ALTER COLUMN facility_id TYPE text COLLATE "default";
ALTER TABLE documents
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN episode_id TYPE text COLLATE "default",
  ALTER COLUMN sender_facility_id TYPE text COLLATE "default",
  ALTER COLUMN sender_user_id TYPE text COLLATE "default",
  ALTER COLUMN recipient_facility_id TYPE text COLLATE "default",
  ALTER COLUMN acknowledged_by TYPE text COLLATE "default";
ALTER TABLE document_revisions
  ALTER COLUMN document_id TYPE text COLLATE "default",
  ALTER COLUMN created_by TYPE text COLLATE "default";
ALTER TABLE contacts
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN episode_id TYPE text COLLATE "default",
  ALTER COLUMN direction TYPE text COLLATE "default",
  ALTER COLUMN kind TYPE text COLLATE "default",
  ALTER COLUMN method TYPE text COLLATE "default",
  ALTER COLUMN document_id TYPE text COLLATE "default",
  ALTER COLUMN recorded_by TYPE text COLLATE "default";
ALTER TABLE reminders
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN subject_id TYPE text COLLATE "default";
ALTER TABLE outbox
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN document_id TYPE text COLLATE "default",
  ALTER COLUMN episode_id TYPE text COLLATE "default",
  ALTER COLUMN reminder_id TYPE text COLLATE "default",
  ALTER COLUMN facility_id TYPE text COLLATE "default",
  ALTER COLUMN user_id TYPE text COLLATE "default";
ALTER TABLE idempotency_keys
  ALTER COLUMN user_id TYPE text COLLATE "default";
ALTER TABLE audit_log
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN user_id TYPE text COLLATE "default",
  ALTER COLUMN facility_id TYPE text COLLATE "default",
  ALTER COLUMN target_id TYPE text COLLATE "default";
ALTER TABLE web_sessions
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN user_id TYPE text COLLATE "default";
ALTER TABLE drafts
  ALTER COLUMN id TYPE text COLLATE "default",
  ALTER COLUMN facility_id TYPE text COLLATE "default",
  ALTER COLUMN user_id TYPE text COLLATE "default",
  ALTER COLUMN episode_id TYPE text COLLATE "default",
  ALTER COLUMN client_id TYPE text COLLATE "default",
  ALTER COLUMN recipient_facility_id TYPE text COLLATE "default",
  ALTER COLUMN amends_document_id TYPE text COLLATE "default";
